import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface Service {
  name: string;
  child: ChildProcess;
  port: number;
  /** Everything the process printed so far, for failure messages. */
  output: string[];
}

/**
 * Starts a service built by `npm run build` with LOG_FORMAT=json and port 0, and resolves with the
 * port from its first log line that names one: no guessing at free ports.
 */
export async function startService(
  name: string,
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<Service> {
  const child = spawn(command, args, {
    // No grace period after SIGTERM: no load balancer sends these processes traffic.
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not log a port within 10 s:\n${output.join('\n')}`)),
      10_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${String(code)} before it listened:\n${output.join('\n')}`));
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString().trimEnd()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const port = portOf(line);
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(port);
      }
    });
  });
  return { name, child, port, output };
}

function portOf(line: string): number | undefined {
  try {
    const { port } = JSON.parse(line) as { port?: unknown };
    return typeof port === 'number' ? port : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM to this one process (by PID), and wait for it to exit. */
export async function stopService(service: Service): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** True when this machine lets us give a process its own host name (root, or user namespaces). */
export function canUseOwnHostname(): boolean {
  return spawnSync('unshare', ['--uts', 'true'], { stdio: 'ignore' }).status === 0;
}

/**
 * A producer whose host name, and so its `x-served-by`, is `hostname`: what a Swarm replica's
 * container id is. Runs in its own UTS namespace when `ownHostname` is true.
 */
export function startProducer(hostname: string, ownHostname: boolean): Promise<Service> {
  const env = { PORT: '0', HOST: '127.0.0.1' };
  return ownHostname
    ? startService(
        hostname,
        'unshare',
        ['--uts', 'sh', '-c', 'hostname "$0" && exec node producer/dist/main.js', hostname],
        env,
      )
    : startService(hostname, process.execPath, ['producer/dist/main.js'], env);
}

export interface RoundRobinBalancer {
  server: Server;
  port: number;
  /** Backends taken out after a failed connection. */
  removed: () => number[];
}

/**
 * Hands each new TCP connection to the next backend, as Swarm's routing mesh does; a backend that
 * refuses a connection is taken out (that connection fails, as one poll would in a Swarm).
 */
export async function startRoundRobinBalancer(backendPorts: readonly number[]): Promise<RoundRobinBalancer> {
  const live = [...backendPorts];
  const removed: number[] = [];
  let next = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    if (live.length === 0) {
      client.destroy();
      return;
    }
    const port = live[next++ % live.length] as number;
    const backend = connect(port, '127.0.0.1');
    backend.once('error', () => {
      const index = live.indexOf(port);
      if (index >= 0) {
        live.splice(index, 1);
        removed.push(port);
      }
      client.destroy();
    });
    client.once('error', () => backend.destroy());
    client.pipe(backend).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('balancer has no port');
  server.once('close', () => sockets.forEach((socket) => socket.destroy()));
  return { server, port: address.port, removed: () => [...removed] };
}

/**
 * Chromium is pointed at this as its proxy: loopback goes direct, so anything that reaches here is
 * a request to the outside world, recorded and refused.
 */
export async function startTripwireProxy(): Promise<{ server: Server; port: number; attempts: string[] }> {
  const attempts: string[] = [];
  const server = createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      attempts.push(chunk.toString('latin1').split('\r\n')[0] ?? '(empty)');
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return { server, port: address.port, attempts };
}
