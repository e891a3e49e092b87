// Issue 9, item 2: a flood of GET /metrics must not stall GET /number more than a flood of GET
// /number itself does. Before: 100 connections pipelining 100 GET /metrics took 12 times as long as
// the same flood of /number (each request rendered every metric again), and /number probes timed
// out; now /metrics renders at most once a second, and pipelined requests take turns with other
// clients instead of all being handled in one go.
import { ProcessPool, report, runTool, startConsumer, startProducer } from './support';

interface FloodResult {
  floodAnswers: number;
  floodMs: number;
  probes: number;
  probeFailures: number;
  probeP50Ms: number;
  probeMaxMs: number;
}

const pool = new ProcessPool();
afterAll(() => pool.stopAll());

const CONNECTIONS = 100;
const PIPELINED = 100;
/** The flood's own time limit: it fails the test if the server has not answered by then. */
const FLOOD_MAX_MS = 30_000;
/** A /metrics flood may cost this many times a /number flood of the same size (noisy machine). */
const MAX_RATIO = 2.5;
const HEALTH_CHECK_TIMEOUT_MS = 3000;

it('producer: /metrics costs about what /number costs, and /number keeps answering', async () => {
  const { port } = await startProducer(pool);
  const flood = (path: string) =>
    runTool<FloodResult>('flood-probe.mjs', [
      `http://127.0.0.1:${port}${path}`,
      `http://127.0.0.1:${port}/number`,
      CONNECTIONS,
      PIPELINED,
      FLOOD_MAX_MS,
    ]);
  const numbers = await flood('/number');
  const metrics = await flood('/metrics');
  report('producer flood of /number', numbers);
  report('producer flood of /metrics', metrics);

  expect(metrics.floodAnswers).toBe(CONNECTIONS * PIPELINED);
  expect(metrics.probeFailures).toBe(0);
  expect(metrics.floodMs).toBeLessThan(MAX_RATIO * Math.max(numbers.floodMs, 500));
  // A health check gives up after 3 s; before, probes waited out the whole flood (10 s and more).
  expect(metrics.probeMaxMs).toBeLessThan(Math.max(HEALTH_CHECK_TIMEOUT_MS, MAX_RATIO * numbers.probeMaxMs));
});

it('consumer: a /metrics flood on the status server is answered in full, and /healthz keeps answering', async () => {
  const producer = await startProducer(pool);
  const { port } = await startConsumer(pool, `http://127.0.0.1:${producer.port}/number`);
  const flood = (path: string) =>
    runTool<FloodResult>('flood-probe.mjs', [
      `http://127.0.0.1:${port}${path}`,
      `http://127.0.0.1:${port}/healthz`,
      50,
      PIPELINED,
      FLOOD_MAX_MS,
    ]);
  const health = await flood('/healthz');
  const metrics = await flood('/metrics');
  report('consumer flood of /healthz', health);
  report('consumer flood of /metrics', metrics);

  expect(metrics.floodAnswers).toBe(50 * PIPELINED);
  expect(metrics.probeFailures).toBe(0);
  expect(metrics.floodMs).toBeLessThan(MAX_RATIO * Math.max(health.floodMs, 500));
});
