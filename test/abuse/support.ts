import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ProcessPool, ROOT, freePort } from '../support/service-process';
import type { ServiceProcess } from '../support/service-process';

export { ProcessPool, freePort };

/** Runs one of test/abuse/tools/*.mjs as its own process and parses the JSON line it prints. */
export function runTool<T>(tool: string, args: readonly (string | number)[], timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'test', 'abuse', 'tools', tool), ...args.map(String)],
      { timeout: timeoutMs, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${tool} failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout) as T);
      },
    );
  });
}

/**
 * Starts one of test/abuse/tools/*.mjs; `said(word)` resolves when it writes that word on stderr,
 * `result` with the JSON line it prints at the end.
 */
export function startTool<T>(tool: string, args: readonly (string | number)[]) {
  const child = spawn(process.execPath, [join(ROOT, 'test', 'abuse', 'tools', tool), ...args.map(String)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as T);
      else reject(new Error(`${tool} exited with ${String(code)}:\n${stderr}`));
    });
  });
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!stderr.includes(word)) return;
        child.stderr.off('data', check);
        resolve();
      };
      child.stderr.on('data', check);
      child.once('exit', () => reject(new Error(`${tool} ended before it said ${word}:\n${stderr}`)));
      check();
    });
  return { said, result };
}

export interface Started {
  service: ServiceProcess;
  /** The port the service answers HTTP on (the producer's PORT, the consumer's STATUS_PORT). */
  port: number;
}

/** A producer on a free loopback port, once it listens. */
export async function startProducer(pool: ProcessPool, env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const service = pool.start('producer', { PORT: String(port), HOST: '127.0.0.1', ...env });
  await service.waitForLog('the producer to listen', (line) => line.message.startsWith('Producer listening'));
  return { service, port };
}

/** A consumer whose status server listens on a free loopback port; it polls `producerUrl`. */
export async function startConsumer(
  pool: ProcessPool,
  producerUrl: string,
  env: Record<string, string> = {},
): Promise<Started> {
  const port = await freePort();
  const service = pool.start('consumer', {
    PRODUCER_URL: producerUrl,
    POLL_INTERVAL_MS: '200',
    STATUS_PORT: String(port),
    STATUS_HOST: '127.0.0.1',
    ...env,
  });
  await service.waitForLog('the status server to listen', (line) => line.message.startsWith('Status on'));
  return { service, port };
}

export interface RawAnswer {
  raw: string;
  statusLine: string;
  headers: Record<string, string>;
  body: string;
  /** How long until the server closed the connection. */
  ms: number;
}

/** Writes `bytes` on a new connection and reads until the server closes it (or `timeoutMs`). */
export function rawExchange(port: number, bytes: string, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got so far: ${JSON.stringify(raw.slice(0, 300))}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (raw += chunk));
    const done = () => {
      clearTimeout(timer);
      resolve(parseRaw(raw, performance.now() - startedAt));
    };
    socket.on('end', done);
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? done() : reject(error)));
    socket.write(bytes);
  });
}

function parseRaw(raw: string, ms: number): RawAnswer {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { raw, statusLine, headers, body: split === -1 ? '' : raw.slice(split + 4), ms };
}

/** One line for the CI log, so that the figures of a run can be read back. */
export function report(what: string, figures: object): void {
  process.stdout.write(`[abuse] ${what}: ${JSON.stringify(figures)}\n`);
}
