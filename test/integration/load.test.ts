import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadSummary } from '../../tools/load/src/summary';
import { ProcessPool, ROOT, freePort } from '../support/service-process';

// `npm run load` against a real producer on loopback: the tool's figures against the producer's own counter.
const LOAD = join(ROOT, 'tools', 'load', 'dist', 'main.js');
const pool = new ProcessPool();
afterAll(() => pool.stopAll());

let port: number;
beforeAll(async () => {
  port = await freePort();
  pool.start('producer', { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  await waitUntilAnswering(`http://127.0.0.1:${port}/readyz`);
});

async function waitUntilAnswering(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function load(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [LOAD, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function loadJson(...args: string[]): Promise<LoadSummary> {
  const run = await load(...args, '--json');
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) as string });
  return JSON.parse(run.stdout) as LoadSummary;
}

/** fogpair_producer_requests_total{route="/number",status="200"} from the producer's /metrics. */
async function numbersServed(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('fogpair_producer_requests_total{route="/number",status="200"}'));
  return Number(line?.split(' ').pop() ?? NaN);
}

// Figures are checked by order and totals, never against a speed: a busy machine answers fewer requests
// in the same time, and must not fail a test for it.
describe('npm run load against a real producer', () => {
  it('runs for the duration: every answer a 200, no errors, latencies in order', async () => {
    const before = await numbersServed();
    const summary = await loadJson(`http://127.0.0.1:${port}/number`, '--duration', '2', '--connections', '4');
    const served = (await numbersServed()) - before;

    expect(summary.responses).toBeGreaterThan(0);
    expect(summary.errors).toBe(0);
    expect(summary.statusCodes).toEqual({ 200: summary.responses });
    expect(summary.endedBy).toBe('duration');
    // Ended by a 2 s timer, which a busy machine can only make late.
    expect(summary.durationSeconds).toBeGreaterThan(1.9);
    expect(summary.requestsPerSecond).toBeCloseTo(summary.responses / summary.durationSeconds, 5);
    const { p50, p90, p99, max } = summary.latencyMs ?? { p50: NaN, p90: NaN, p99: NaN, max: NaN };
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p90);
    expect(p90).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
    // The tool stops counting at the end, but autocannon stops sending only at its next tick: the
    // producer also counts the answers in that gap (the next test compares exact totals).
    expect(served).toBeGreaterThanOrEqual(summary.responses);
  });

  // autocannon holds the rate per connection and one-second window, starting with a full window:
  // a 2 s run has at most three windows' worth.
  it('holds --rate: at most rate × (duration + 1) requests', async () => {
    const summary = await loadJson(
      `http://127.0.0.1:${port}/number`,
      '--rate',
      '50',
      '--duration',
      '2',
      '--connections',
      '5',
    );
    expect(summary.errors).toBe(0);
    expect(summary.responses).toBeGreaterThan(0);
    expect(summary.responses).toBeLessThanOrEqual(50 * (2 + 1));
  });

  it('stops at --requests before the duration, and counts exactly what the producer counts', async () => {
    const before = await numbersServed();
    const summary = await loadJson(
      `http://127.0.0.1:${port}/number`,
      '--requests',
      '30',
      '--duration',
      '15',
      '--connections',
      '3',
    );
    expect(summary.responses).toBe(30);
    expect(summary.endedBy).toBe('requests');
    expect((await numbersServed()) - before).toBe(30);
  });

  it('spreads over several URLs and names the errors of the one that refuses', async () => {
    const closed = await freePort();
    const live = `http://127.0.0.1:${port}/number`;
    const dead = `http://127.0.0.1:${closed}/number`;
    const summary = await loadJson(live, dead, '--duration', '1', '--connections', '2', '--rate', '100');
    const [liveTarget, deadTarget] = summary.targets;
    expect(liveTarget).toMatchObject({ url: live, errors: 0 });
    expect(liveTarget?.responses).toBeGreaterThan(0);
    expect(deadTarget).toMatchObject({ url: dead, responses: 0 });
    expect(Object.keys(deadTarget?.errorsByKind ?? {})).toEqual([
      'ECONNREFUSED (connection refused: nothing listens there)',
    ]);
    expect(summary.errors).toBe(deadTarget?.errors);
  });

  it('prints the summary as hey does, and a progress line on stderr', async () => {
    const run = await load(`http://127.0.0.1:${port}/number`, '--duration', '1', '--connections', '2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Requests\/sec: \d+\.\d/);
    expect(run.stdout).toMatch(/Latency distribution:\n {2}50% in \d\.\d{4} secs\n {2}90% in .*\n {2}99% in /);
    expect(run.stdout).toMatch(/Status code distribution:\n {2}\[200\] \d+ responses/);
    expect(run.stderr).toContain(`load: http://127.0.0.1:${port}/number: 2 connections, 1 s`);
  });

  it('refuses a bad command line with exit 64 and a message that names the flag', async () => {
    const run = await load(`http://127.0.0.1:${port}/number`, '--duration', '9999');
    expect(run.code).toBe(64);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('load: --duration 9999 is out of range: expected a whole number from 1 to 600');
  });
});
