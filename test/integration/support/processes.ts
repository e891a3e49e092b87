import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, connect } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { entryPath } from './services';
import type { ServiceName } from './services';

export interface LogLine {
  /** performance.now() in the test process when the line arrived. */
  at: number;
  level: string;
  message: string;
  [field: string]: unknown;
}

/** A service started from its tsc output (`npm run build` first), logging JSON lines we keep. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly lines: LogLine[];
  waitForLine(match: RegExp, options?: { after?: number; timeoutMs?: number }): Promise<LogLine>;
  linesMatching(match: RegExp, after?: number): LogLine[];
  /** SIGTERM and wait for the exit; SIGKILL if it takes more than 3 s. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  exited(): boolean;
}

export function startService(service: ServiceName, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [entryPath(service)], {
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${service}`);
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let exitCode: number | null | undefined;
  const exitPromise = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const parsed = JSON.parse(text) as Record<string, unknown> & { level: string; message: string };
        lines.push({ ...parsed, level: parsed.level, message: parsed.message, at: performance.now() });
      } catch {
        lines.push({ at: performance.now(), level: 'raw', message: text });
      }
      for (const wake of waiters) wake();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push({ at: performance.now(), level: 'stderr', message: chunk });
  });

  const linesMatching = (match: RegExp, after = 0) => lines.filter((l) => l.at >= after && match.test(l.message));

  return {
    child,
    pid: child.pid,
    lines,
    linesMatching,
    waitForLine(match, { after = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = linesMatching(match, after)[0];
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          const tail = lines
            .slice(-8)
            .map((l) => `${l.level} ${l.message}`)
            .join('\n  ');
          reject(new Error(`${service}: no line matching ${match} within ${timeoutMs} ms; last lines:\n  ${tail}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      const code = await exitPromise;
      clearTimeout(force);
      return code;
    },
    async kill() {
      if (exitCode !== undefined) return;
      child.kill('SIGKILL');
      await exitPromise;
    },
    exited: () => exitCode !== undefined,
  };
}

/** Resident memory of a process in bytes (Linux). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Number(match[1]) * 1024 : NaN;
}

/** A TCP proxy on loopback that counts the connections passing through it. */
export interface CountingProxy {
  readonly port: number;
  connections(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((client) => {
    count++;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
