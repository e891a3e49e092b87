// Spawning the services under test and reading what the kernel knows about them.
import { spawn, spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const CORES = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() | 0 || 1;

/** The command prefixed with `taskset -c <core>` where that exists and there is more than one core. */
export function pinned(core, command, args) {
  return HAS_TASKSET && CORES > 1 ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

export const pinning = HAS_TASKSET && CORES > 1 ? 'server on core 0, load on core 1 (taskset)' : 'not pinned';

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `node <args>` pinned to core 0 with `env` added; resolves once `port` accepts connections. */
export async function startService({ args, env = {}, port, core = 0 }) {
  const [command, commandArgs] = pinned(core, process.execPath, args);
  const startedAt = performance.now();
  const child = spawn(command, commandArgs, {
    // No grace period after SIGTERM: no load balancer sends these processes traffic.
    env: { ...process.env, LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk));
  child.stderr.on('data', (chunk) => output.push(chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const service = {
    child,
    startedAt,
    exited,
    output: () => Buffer.concat(output).toString('utf8'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = sleep(3000).then(() => child.kill('SIGKILL'));
      await Promise.race([exited, timer]);
    },
  };
  if (port !== undefined) await waitForPort(port, service);
  return service;
}

async function waitForPort(port, service) {
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`service exited early:\n${service.output()}`);
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(2);
  }
  throw new Error(`nothing listens on ${port} after 15 s:\n${service.output()}`);
}

/** One GET; resolves with the status code, or undefined when the connection fails. */
export function get(url) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode));
    });
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * The process whose CPU and memory we read: `taskset` execs node in place, so the pid is the same;
 * resolved through /proc anyway in case a wrapper ever forks.
 */
export function pidOf(service) {
  return service.child.pid;
}

/** utime + stime of the process, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** VmRSS and VmHWM (peak) in MB. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
