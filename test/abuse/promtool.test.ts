// Issue 9, item 7: `promtool check metrics` passes on both services' /metrics. Before: exit 3 on both
// ("nodejs_active_handles_total non-counter metrics should not have "_total" suffix", and the same
// for nodejs_active_requests_total and nodejs_active_resources_total).
// promtool 3.5 or newer: scripts/install-prometheus.sh installs it (npm run test:abuse runs it first).
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { findPrometheusTool } from '../support/prometheus-tools';
import { ProcessPool, startConsumer, startProducer } from './support';

const pool = new ProcessPool();
afterAll(() => pool.stopAll());

function promtool(text: string) {
  const tool = findPrometheusTool('promtool');
  if ('missing' in tool) throw new Error(tool.missing);
  const run = spawnSync(tool.path, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool cannot run (${run.error.message})`);
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

it('passes on the producer and the consumer, after they have served and polled', async () => {
  const producer = await startProducer(pool);
  const consumer = await startConsumer(pool, `http://127.0.0.1:${producer.port}/number`);
  await consumer.service.waitFor('a few polls', () => consumer.service.received().length >= 3);
  await fetch(`http://127.0.0.1:${producer.port}/no-such-path`);
  // Past the metrics cache, so that the answers include what just happened.
  await sleep(1100);

  for (const { port, series } of [
    { port: producer.port, series: 'fogpair_producer_requests_total' },
    { port: consumer.port, series: 'fogpair_consumer_polls_total' },
  ]) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain(series);
    expect(promtool(text)).toEqual({ status: 0, output: '' });
  }
});

it('is a real check: it fails on what prom-client registers by default', () => {
  const bad =
    '# HELP nodejs_active_handles_total Total number of active handles.\n' +
    '# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 3\n';
  const result = promtool(bad);
  expect(result.status).not.toBe(0);
  expect(result.output).toContain('non-counter metrics should not have "_total" suffix');
});
