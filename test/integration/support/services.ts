import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

export type ServiceName = 'producer' | 'consumer' | 'autoscaler';

/** The tsc output (what `node producer` runs) or the esbuild bundle (what the images ship). */
export type Entry = 'main' | 'bundle';

export function entryPath(service: ServiceName, entry: Entry = 'main'): string {
  return join(ROOT, service, 'dist', entry === 'main' ? 'main.js' : `${service}.cjs`);
}

export interface LogLine {
  /** performance.now() in the test process when the line arrived. */
  at: number;
  level: string;
  message: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A service started as a real child process, with its output collected line by line. */
export class ServiceProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** The JSON log lines of a service started with LOG_FORMAT=json, in order of arrival. */
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  constructor(service: ServiceName, env: Record<string, string>, entry: Entry = 'main') {
    this.child = spawn(process.execPath, [entryPath(service, entry)], {
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    collectLines(this.child.stdout, this.stdout, (line) => {
      try {
        const parsed = JSON.parse(line) as { level: string; message: string };
        this.lines.push({ ...parsed, at: performance.now() });
      } catch {
        // a line that is not JSON stays in `stdout` only
      }
      this.notify();
    });
    collectLines(this.child.stderr, this.stderr, () => {
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        resolve({ code, signal });
        this.notify();
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('process did not start');
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Log lines of a service started with LOG_FORMAT=json. */
  logs(): LogLine[] {
    return this.lines;
  }

  received(): LogLine[] {
    return this.lines.filter((line) => line.message.startsWith('Received number: '));
  }

  /** Lines whose message matches, that arrived at or after `after` (a performance.now() time). */
  linesMatching(match: RegExp, after = 0): LogLine[] {
    return this.lines.filter((line) => line.at >= after && match.test(line.message));
  }

  /** The first line matching `match` that arrived at or after `after`. */
  async waitForLine(match: RegExp, { after = 0, timeoutMs }: { after?: number; timeoutMs?: number } = {}) {
    const first = () => this.linesMatching(match, after)[0];
    await this.waitFor(`a line matching ${String(match)}`, () => first() !== undefined, timeoutMs);
    return first() as LogLine;
  }

  /** Waits until `predicate` holds on the output, failing with the output so far after `timeoutMs`. */
  async waitFor(description: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out waiting for ${description}. Output so far:\n${this.output()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  waitForLog(description: string, predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<void> {
    return this.waitFor(description, () => this.logs().some(predicate), timeoutMs);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Sends `signal` and resolves with how the process ended and how long it took. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit & { ms: number }> {
    const startedAt = performance.now();
    if (this.running) {
      this.child.kill(signal);
      // A process frozen with SIGSTOP would hold the signal until it runs again.
      this.child.kill('SIGCONT');
    }
    const exit = await this.exited;
    return { ...exit, ms: performance.now() - startedAt };
  }

  output(): string {
    return [...this.stdout, ...this.stderr.map((line) => `[stderr] ${line}`)].join('\n');
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[], onLine: (line: string) => void): void {
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      into.push(line);
      onLine(line);
    }
  });
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Kills whatever a test left running, so that a failed assertion does not leak processes. */
export class ProcessPool {
  private readonly processes: ServiceProcess[] = [];

  start(service: ServiceName, env: Record<string, string>, entry?: Entry): ServiceProcess {
    const started = new ServiceProcess(service, env, entry);
    this.processes.push(started);
    return started;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((started) => started.stop('SIGKILL')));
  }
}
