// The one way to start a service as a real process, for the integration tests, the drills, the
// browser test (TypeScript, through ts-jest) and the bench (JavaScript: `npm run build` compiles
// this file to test/support/dist). The tests' other shared pieces (a capturing logger, config problem
// lines, a seeded random source, a fake Docker API) live beside it, so that no package's tests import
// another package's test/ folder.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above this file with a package-lock.json. */
function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package-lock.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package-lock.json above ${from}`);
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot(__dirname);

export type ServiceName = 'producer' | 'consumer' | 'autoscaler';

/** The tsc output (what `node producer` runs) or the esbuild bundle (what the images ship). */
export type Entry = 'main' | 'bundle';

export function entryPath(service: ServiceName, entry: Entry = 'main'): string {
  return join(ROOT, service, 'dist', entry === 'main' ? 'main.js' : `${service}.cjs`);
}

/**
 * What to run. `command` defaults to this node; `inheritEnv` passes this process's environment on
 * (otherwise only PATH, and LOG_FORMAT=json); `detached` makes it the leader of a process group of
 * its own, which `signalGroup` reaches whole (what Ctrl-C in a terminal does).
 */
export interface ProcessSpec {
  name: string;
  command?: string;
  args: readonly string[];
  env?: Record<string, string>;
  inheritEnv?: boolean;
  detached?: boolean;
}

/**
 * The node flags in the service's image, from its Dockerfile's `CMD ["node", …, "<service>.cjs"]`: the
 * bundle runs with them, so that a flag that breaks the service (`--lite-mode` turns off the WebAssembly
 * that fetch needs) fails here and not only in the lab.
 */
export function imageFlags(service: ServiceName): string[] {
  const file = join(ROOT, `Dockerfile-${service}`);
  const cmd = existsSync(file) ? /^CMD\s+(\[.*\])/m.exec(readFileSync(file, 'utf8')) : null;
  if (!cmd?.[1]) return [];
  return (JSON.parse(cmd[1]) as string[]).filter((arg) => arg.startsWith('--'));
}

/** A service from the build, with LOG_FORMAT=json unless `env` says otherwise; the bundle as its image runs it. */
export function serviceSpec(
  service: ServiceName,
  env: Record<string, string> = {},
  entry: Entry = 'main',
): ProcessSpec {
  const flags = entry === 'bundle' ? imageFlags(service) : [];
  return { name: service, args: [...flags, entryPath(service, entry)], env };
}

export interface LogLine {
  /** performance.now() in the test process when the line arrived. */
  at: number;
  level: string;
  message: string;
  [field: string]: unknown;
}

export interface PrintedWait {
  /** The index in `stdout` to look from. */
  from?: number;
  count?: number;
  timeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process started from a spec, with its output collected line by line. */
export class ServiceProcess {
  readonly name: string;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** The JSON log lines (LOG_FORMAT=json), in order of arrival. */
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  /** performance.now() when the process was spawned. */
  readonly startedAt = performance.now();
  readonly child: ChildProcess;
  /** Started as the leader of its own process group: signals go to the whole group. */
  readonly detached: boolean;
  private readonly waiters = new Set<() => void>();

  constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.detached = spec.detached ?? false;
    this.child = spawn(spec.command ?? process.execPath, spec.args, {
      // Tests start from a clean environment with JSON logs; the bench passes its own on. No grace
      // period after SIGTERM unless asked for: no load balancer sends these processes traffic, and
      // tests stop many of them.
      env: {
        ...(spec.inheritEnv ? process.env : { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json' }),
        SHUTDOWN_GRACE_MS: '0',
        ...spec.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: spec.detached ?? false,
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

  /**
   * The port of the first log line that names one (`"port": N` in JSON, `port=N` in a pretty line):
   * services started on port 0 log it.
   */
  async loggedPort(timeoutMs = 10_000): Promise<number> {
    const withPort = () => {
      const json = this.lines.find((line) => typeof line.port === 'number');
      if (json) return json.port as number;
      const pretty = this.stdout.map((line) => / port=(\d+)\b/.exec(line)).find(Boolean);
      return pretty ? Number(pretty[1]) : undefined;
    };
    await this.waitFor(`${this.name} to log its port`, () => withPort() !== undefined || !this.running, timeoutMs);
    const port = withPort();
    if (port === undefined) throw new Error(`${this.name} exited before it logged a port:\n${this.output()}`);
    return port;
  }

  /**
   * For any log format: waits until `count` lines of stdout from index `from` on match `match`, and
   * resolves with the index just after the last of them (the `from` of a next wait).
   */
  async waitForPrinted(match: RegExp, { from = 0, count = 1, timeoutMs }: PrintedWait = {}): Promise<number> {
    const end = () => {
      let seen = 0;
      for (let i = from; i < this.stdout.length; i++) {
        if (match.test(this.stdout[i] as string) && ++seen === count) return i + 1;
      }
      return undefined;
    };
    await this.waitFor(
      `${String(count)} printed line(s) matching ${String(match)}`,
      () => end() !== undefined,
      timeoutMs,
    );
    return end() as number;
  }

  /** Resolves once something accepts connections on 127.0.0.1:`port`; fails if the process exits first. */
  async waitForConnections(port: number, timeoutMs = 15_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited early:\n${this.output()}`);
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`nothing listens on ${port} after ${timeoutMs} ms:\n${this.output()}`);
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
    if (!this.detached || this.child.pid === undefined) {
      this.child.kill(signal);
      return;
    }
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the whole group has exited
    }
  }

  /**
   * Sends `signal` (to this process, or its group if `detached`) and resolves with how it ended and how long that took;
   * with `killAfterMs`, a process still running then gets SIGKILL.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', { killAfterMs }: { killAfterMs?: number } = {}) {
    const startedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    if (this.running) {
      this.signal(signal);
      // A process frozen with SIGSTOP would hold the signal until it runs again.
      this.signal('SIGCONT');
      if (killAfterMs !== undefined) timer = setTimeout(() => this.signal('SIGKILL'), killAfterMs);
    }
    const exit = await this.exited;
    clearTimeout(timer);
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
    return this.spawn(serviceSpec(service, env, entry));
  }

  spawn(spec: ProcessSpec): ServiceProcess {
    const started = new ServiceProcess(spec);
    this.processes.push(started);
    return started;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((started) => started.stop('SIGKILL')));
  }
}
