import { Registry } from 'prom-client';
import { createConsumerMetrics, outcomeOf } from '../src/metrics';

async function scrape(registry: Registry): Promise<string> {
  return registry.metrics();
}

describe('consumer metrics', () => {
  it('folds every failure kind onto a documented outcome', () => {
    expect(
      (
        [
          'timeout',
          'refused',
          'dns',
          'reset',
          'network',
          'http_error',
          'not_json',
          'invalid',
          'too_large',
          'breaker_open',
        ] as const
      ).map(outcomeOf),
    ).toEqual([
      'timeout',
      'refused',
      'refused',
      'refused',
      'refused',
      'http_error',
      'invalid',
      'invalid',
      'invalid',
      'breaker_open',
    ]);
  });

  it('exposes polls by outcome, latency, breaker state, last number and answers per instance', async () => {
    const registry = new Registry();
    const metrics = createConsumerMetrics(registry);
    expect(await scrape(registry)).toContain('fogpair_consumer_polls_total{outcome="timeout"} 0');

    metrics.poll('ok', 0.004);
    metrics.answer(73, 'c0ffee');
    metrics.poll('timeout', 2);
    metrics.poll('breaker_open');
    metrics.retry();
    metrics.breakerState('open');

    const text = await scrape(registry);
    expect(text).toContain('fogpair_consumer_polls_total{outcome="ok"} 1');
    expect(text).toContain('fogpair_consumer_polls_total{outcome="timeout"} 1');
    expect(text).toContain('fogpair_consumer_polls_total{outcome="breaker_open"} 1');
    expect(text).toContain('fogpair_consumer_poll_duration_seconds_count 2');
    expect(text).toContain('fogpair_consumer_poll_duration_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('fogpair_consumer_retries_total 1');
    expect(text).toContain('fogpair_consumer_breaker_state{state="open"} 1');
    expect(text).toContain('fogpair_consumer_breaker_state{state="closed"} 0');
    expect(text).toContain('fogpair_consumer_last_number 73');
    expect(text).toContain('fogpair_consumer_answers_total{instance="c0ffee"} 1');
  });

  it('keeps the instance label space bounded when a producer invents names', async () => {
    const registry = new Registry();
    const metrics = createConsumerMetrics(registry, { maxInstances: 2 });
    for (const instance of ['a', 'b', 'c', 'd', 'a']) metrics.answer(1, instance);
    const text = await scrape(registry);
    expect(text).toContain('fogpair_consumer_answers_total{instance="a"} 2');
    expect(text).toContain('fogpair_consumer_answers_total{instance="other"} 2');
    expect(text).not.toContain('instance="c"');
  });

  it('keeps registries apart, so two consumers in one process do not share counts', async () => {
    const first = new Registry();
    const second = new Registry();
    createConsumerMetrics(first).poll('ok', 0.001);
    createConsumerMetrics(second);
    expect(await scrape(second)).toContain('fogpair_consumer_polls_total{outcome="ok"} 0');
  });
});
