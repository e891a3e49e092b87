import { USAGE, UsageError, parseLoadArgs } from './args';
import { runLoad } from './run-load';
import { formatProgress, formatSummary } from './summary';

/** EX_USAGE: the command line was wrong (sysexits.h). */
const EXIT_USAGE = 64;

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseLoadArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`load: ${error.message}\nRun with --help for the options.\n`);
    return EXIT_USAGE;
  }
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { options } = command;
  const interrupted = new AbortController();
  const stop = () => interrupted.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const rate = options.rate === undefined ? 'as fast as answered' : `${options.rate} req/s`;
  process.stderr.write(
    `load: ${options.urls.join(' ')}: ${options.connections} connections, ${options.durationSeconds} s, ${rate}` +
      ` (Ctrl-C ends early and prints the summary)\n`,
  );
  // On a terminal, one line rewritten in place; in a log, one line every 5 s.
  const tty = process.stderr.isTTY;
  const summary = await runLoad(options, {
    signal: interrupted.signal,
    onProgress: ({ elapsedSeconds, responses, errors }) => {
      const line = formatProgress(elapsedSeconds, options.durationSeconds, responses, errors);
      if (tty) process.stderr.write(`\r${line}\u001b[K`);
      else if (Math.round(elapsedSeconds) % 5 === 0) process.stderr.write(`${line}\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
