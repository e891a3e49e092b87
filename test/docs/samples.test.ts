// The samples of program output in README.md and docs/ are what the programs print today.
//
// A sample is a fenced block right after a marker comment:
//
//   <!-- docs-check: ID -->                      checked: ID names a kind in SAMPLES below
//   <!-- docs-check: not-checked (REASON) -->    listed as not checked (a skipped test), with the reason
//
// and every fenced block without a language (output, by convention) must carry one of the two.
// Log samples pass when each of their lines, normalised, is part of a line the programs printed in
// the situations of ./scenarios.ts; transcripts (`$ command`, then its output) are run.
import { ProcessPool } from '../support/service-process';
import { pages } from './markdown';
import type { Block } from './markdown';
import { normalise, withoutDockerPrefix } from './normalise';
import * as scenarios from './scenarios';
import type { Ports } from './scenarios';

/** What each checked sample is; `npmStart`: held to what `npm start` printed, its prefixes included. */
const SAMPLES: Record<string, { kind: 'log' | 'transcript'; npmStart?: true }> = {
  'npm-start': { kind: 'log', npmStart: true },
  'compose-up': { kind: 'log' },
  'swarm-logs': { kind: 'log' },
  outage: { kind: 'log' },
  'failure-lines': { kind: 'log' },
  'consumer-alone': { kind: 'log' },
  'hostile-lines': { kind: 'log' },
  'debug-lines': { kind: 'log' },
  'json-log': { kind: 'log' },
  'config-errors': { kind: 'transcript' },
  'http-answers': { kind: 'transcript' },
};

interface Sample extends Block {
  id: string;
  name: string;
}

const blocks = pages.flatMap((page) => page.blocks);
const marked = blocks.filter((block) => block.marker !== undefined);
const checked: Sample[] = marked
  .filter((block) => !block.marker?.text.startsWith('not-checked'))
  .map((block) => {
    const id = block.marker?.text ?? '';
    return { ...block, id, name: `${id} (${block.page}:${String(block.line)})` };
  });
const notChecked = marked.filter((block) => block.marker?.text.startsWith('not-checked'));

it(`every output block in README.md and docs/ is marked, with a known sample id: ${String(checked.length)} samples checked, ${String(notChecked.length)} marked not checked`, () => {
  const problems = [
    ...pages.flatMap((page) =>
      page.strayMarkers.map(
        (marker) =>
          `${page.page}:${String(marker.line)}: <!-- docs-check: ${marker.text} --> stands before no fenced block or table`,
      ),
    ),
    ...blocks
      .filter((block) => block.lang === '' && block.marker === undefined)
      .map((block) => `${block.page}:${String(block.line)}: an output block without a <!-- docs-check: … --> marker`),
    ...checked
      .filter((sample) => SAMPLES[sample.id] === undefined)
      .map(
        (sample) =>
          `${sample.page}:${String(sample.line)}: unknown sample id "${sample.id}" (SAMPLES in ${__filename})`,
      ),
  ];
  expect(problems).toEqual([]);
});

describe.each(notChecked.map((block) => [`${block.page}:${String(block.line)} ${block.marker?.text ?? ''}`]))(
  'marked %s',
  () => {
    it.skip('is not checked', () => {});
  },
);

// ---------------------------------------------------------------------------------------------
// The programs, in every situation at once; the HTTP transcripts run while the pair is up.

const pool = new ProcessPool();
const printedLines: string[] = [];
let npmStart: { lines: string[]; code: number | null } | undefined;
const transcriptOutput = new Map<string, { lines: string[]; code?: number | null }>();
const canRunNpmStart = scenarios.canUnshareNetwork();

describe('the samples', () => {
  const SCENARIOS = [
    'pair',
    'jsonLogs',
    'outage',
    'refused',
    'unresolvable',
    'hostile',
    'configErrors',
    'npmStart',
  ] as const;
  const failed = new Map<string, unknown>();

  beforeAll(async () => {
    const transcripts = checked.filter((sample) => SAMPLES[sample.id]?.kind === 'transcript');
    const runs: Record<(typeof SCENARIOS)[number], () => Promise<string[]>> = {
      pair: () => scenarios.pair(pool, (ports) => runHttpSteps(transcripts, ports)),
      jsonLogs: () => scenarios.jsonLogs(pool),
      outage: () => scenarios.outage(pool),
      refused: () => scenarios.refused(pool),
      unresolvable: () => scenarios.unresolvable(pool),
      hostile: () => scenarios.hostile(pool),
      configErrors: () => runNodeSteps(transcripts),
      npmStart: async () => {
        if (canRunNpmStart) npmStart = await scenarios.npmStart(pool);
        return [];
      },
    };
    // Each situation on its own: one that fails says why in its own test, and the rest still count.
    await Promise.all(
      SCENARIOS.map(async (name) => {
        try {
          printedLines.push(...(await runs[name]()));
        } catch (error) {
          failed.set(name, error);
        }
      }),
    );
  }, 180_000);

  it.each(SCENARIOS)('situation %s ran to its end', (name) => {
    if (failed.has(name)) throw failed.get(name);
  });

  afterAll(() => pool.stopAll());

  // ---------------------------------------------------------------------------------------------
  // The samples

  describe.each(checked.filter((sample) => SAMPLES[sample.id]?.kind === 'log').map((sample) => [sample.name, sample]))(
    '%s',
    (_name, sample) => {
      const npm = SAMPLES[sample.id]?.npmStart === true;
      (npm && !canRunNpmStart ? it.skip : it)(
        npm && !canRunNpmStart
          ? 'NOT RUN: `unshare -rn` is not allowed here (no private network namespace)'
          : 'is what the programs print',
        () => {
          if (npm)
            expect({ 'npm start exit code after Ctrl-C': npmStart?.code }).toEqual({
              'npm start exit code after Ctrl-C': 0,
            });
          const pool = (npm ? (npmStart?.lines ?? []) : printedLines).map(normalise);
          const missing = sample.body.flatMap((raw) => {
            const line = raw.trim();
            if (line === '' || line === '^C' || /^Container \S+\s+\w+$/.test(line)) return [];
            const documented = normalise(npm ? raw : withoutDockerPrefix(raw));
            return pool.some((candidate) => candidate.includes(documented)) ? [] : [missingLine(raw, documented, pool)];
          });
          expect(missing).toEqual([]);
        },
      );
    },
  );

  describe.each(
    checked.filter((sample) => SAMPLES[sample.id]?.kind === 'transcript').map((sample) => [sample.name, sample]),
  )('%s', (_name, sample) => {
    for (const step of stepsOf(sample)) {
      it(`\`${step.command}\` prints what the page shows`, () => {
        const result = transcriptOutput.get(step.command);
        if (result === undefined)
          throw new Error(
            `cannot run \`${step.command}\`: the check runs \`ENV=… node producer|consumer\` and \`curl -s [-X METHOD] localhost:5000|8080/…\``,
          );
        expect({ printed: result.lines.map(normalise) }).toEqual({ printed: step.expected.map(normalise) });
        if (step.expected.some((line) => line.startsWith('Invalid configuration'))) {
          expect({ 'exit code (a configuration mistake)': result.code }).toEqual({
            'exit code (a configuration mistake)': 78,
          });
        }
      });
    }
  });
});

/** The documented line, and the two printed lines nearest to it by shared words. */
function missingLine(raw: string, documented: string, printed: readonly string[]): string {
  const words = new Set(documented.split(' '));
  const score = (candidate: string) => candidate.split(' ').filter((word) => words.has(word)).length;
  const near = [...printed].sort((a, b) => score(b) - score(a)).slice(0, 2);
  return `no program printed: ${raw.trim()}\n  nearest printed (normalised):\n    ${near.join('\n    ')}`;
}

// ---------------------------------------------------------------------------------------------
// Transcripts

interface Step {
  command: string;
  expected: string[];
}

function stepsOf(sample: Sample): Step[] {
  const steps: Step[] = [];
  for (const line of sample.body) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
    else if (line.trim() !== '') steps.at(-1)?.expected.push(line);
  }
  return steps;
}

const isEntry = (word: string | undefined): word is 'producer' | 'consumer' =>
  word === 'producer' || word === 'consumer';

/** `A=1 B=2 node consumer` → its environment and service. */
function nodeCommand(command: string) {
  const words = command.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name = '', ...value] = (words.shift() as string).split('=');
    env[name] = value.join('=');
  }
  const [node, service] = words;
  if (words.length !== 2 || node !== 'node' || !isEntry(service)) return undefined;
  return { env, service };
}

/** Runs each `ENV=… node producer|consumer` step until it exits (configuration mistakes exit at once). */
async function runNodeSteps(transcripts: readonly Sample[]): Promise<string[]> {
  for (const step of transcripts.flatMap(stepsOf)) {
    const command = nodeCommand(step.command);
    if (!command) continue;
    const service = pool.start(command.service, {
      ...scenarios.AS_DOCUMENTED,
      PORT: '0',
      STATUS_PORT: '0',
      ...command.env,
    });
    try {
      await service.waitFor('it to exit', () => !service.running, 30_000);
    } catch {
      await service.stop('SIGKILL');
      transcriptOutput.set(step.command, { lines: ['(it did not exit: it started and ran)'] });
      continue;
    }
    const { code } = await service.exited;
    const lines = [...service.stdout, ...service.stderr].filter((line) => line.trim() !== '');
    transcriptOutput.set(step.command, { lines, code });
  }
  return [];
}

/** `curl -s [-X METHOD] localhost:PORT/path` against the pair, on its real ports. */
async function runHttpSteps(transcripts: readonly Sample[], ports: Ports): Promise<void> {
  for (const step of transcripts.flatMap(stepsOf)) {
    const match = /^curl -s(?: -X (\w+))? (?:http:\/\/)?localhost:(\d+)(\/\S*)$/.exec(step.command);
    if (!match) continue;
    const [, method = 'GET', documentedPort = '', path = ''] = match;
    const port = ports[documentedPort];
    if (port === undefined) {
      transcriptOutput.set(step.command, { lines: [`(no service of npm start listens on ${documentedPort})`] });
      continue;
    }
    const response = await fetch(`http://127.0.0.1:${String(port)}${path}`, { method });
    transcriptOutput.set(step.command, { lines: [await response.text()] });
  }
}
