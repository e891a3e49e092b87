// Spawning the services under test and reading what the kernel knows about them.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
// Compiled by `npm run build` (tsc -b), which every bench script runs first.
import { MiB, processMemory } from '../test/support/dist/process-memory.js';
import { ServiceProcess, freePort } from '../test/support/dist/service-process.js';

/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const CORES = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() | 0 || 1;

/** The command prefixed with `taskset -c <core>` where that exists and there is more than one core. */
export function pinned(core, command, args) {
  return HAS_TASKSET && CORES > 1 ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

export const pinning = HAS_TASKSET && CORES > 1 ? 'server on core 0, load on core 1 (taskset)' : 'not pinned';

/** A loopback port that was free a moment ago (test/support/service-process.ts). */
export { freePort };

/**
 * Starts `node <args>` pinned to `core` with this process's environment plus `env` (LOG_LEVEL=info
 * unless `env` says otherwise), through the one service starter the tests use; resolves once
 * `port` accepts connections. The result has `child`, `startedAt`, `output()` and `stop()`.
 */
export async function startService({ args, env = {}, port, core = 0 }) {
  const [command, commandArgs] = pinned(core, process.execPath, args);
  const service = new ServiceProcess({
    name: args.at(-1),
    command,
    args: commandArgs,
    env: { LOG_LEVEL: 'info', ...env },
    inheritEnv: true,
  });
  const stop = service.stop.bind(service);
  service.stop = () => stop('SIGTERM', { killAfterMs: 3000 });
  if (port !== undefined) await service.waitForConnections(port);
  return service;
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

/** utime + stime of the process, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** VmRSS and VmHWM (peak) in MB. */
export function memory(pid) {
  const { rss, peak } = processMemory(pid);
  return { rss: rss / MiB, peak: peak / MiB };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
