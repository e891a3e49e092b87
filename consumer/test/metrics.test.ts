import { Registry } from 'prom-client';
import { createConsumerMetrics, outcomeOf } from '../src/metrics';
import { PollHistory } from '../src/poll-history';
import { FAILURE_KINDS } from '../src/poll-result';
import type { PollResult } from '../src/poll-result';

async function scrape(registry: Registry): Promise<string> {
  return registry.metrics();
}

const sent = { attempts: 1, probe: false, breaker: 'closed' } as const;
const answer = (number: number, instance: string, attempts = 1): PollResult => ({
  ok: true,
  number,
  instance,
  ms: 4,
  ...sent,
  attempts,
});

function setUp(instanceCapacity?: number) {
  const registry = new Registry();
  const history = new PollHistory(instanceCapacity === undefined ? {} : { instanceCapacity });
  const metrics = createConsumerMetrics(registry, history);
  return { registry, history, metrics };
}

describe('consumer metrics', () => {
  it('folds every failure kind onto a documented outcome', () => {
    expect(
      Object.fromEntries([...FAILURE_KINDS, 'breaker_open' as const].map((kind) => [kind, outcomeOf(kind)])),
    ).toEqual({
      timeout: 'timeout',
      refused: 'refused',
      dns: 'refused',
      reset: 'refused',
      network: 'refused',
      http_error: 'http_error',
      not_json: 'invalid',
      invalid: 'invalid',
      too_large: 'invalid',
      breaker_open: 'breaker_open',
    });
  });

  it('exposes every outcome from the start, so that rate() sees the first failure too', async () => {
    const text = await scrape(setUp().registry);
    for (const outcome of ['ok', 'timeout', 'refused', 'http_error', 'invalid', 'breaker_open', 'skipped']) {
      expect(text).toContain(`fogpair_consumer_polls_total{outcome="${outcome}"} 0`);
    }
    expect(text).toContain('fogpair_consumer_breaker_state{state="closed"} 1');
  });

  it('exposes polls by outcome, latency, retries, breaker state, last number and answers per instance', async () => {
    const { registry, history, metrics } = setUp();
    history.record(answer(73, 'c0ffee', 2));
    metrics.observePollDuration(0.004);
    history.record({ ok: false, kind: 'timeout', reason: 'no answer', ms: 2000, ...sent });
    history.record({ ok: false, kind: 'dns', reason: 'no name', ms: 2, ...sent, breaker: 'open', nextProbeInMs: 9 });
    metrics.observePollDuration(2);
    history.record({
      ok: false,
      kind: 'breaker_open',
      reason: 'circuit breaker is open',
      ms: 0,
      attempts: 0,
      nextProbeInMs: 1,
    });
    history.recordSkip();

    const text = await scrape(registry);
    expect(text).toContain('fogpair_consumer_polls_total{outcome="ok"} 1');
    expect(text).toContain('fogpair_consumer_polls_total{outcome="timeout"} 1');
    expect(text).toContain('fogpair_consumer_polls_total{outcome="refused"} 1');
    expect(text).toContain('fogpair_consumer_polls_total{outcome="breaker_open"} 1');
    expect(text).toContain('fogpair_consumer_polls_total{outcome="skipped"} 1');
    expect(text).toContain('fogpair_consumer_poll_duration_seconds_count 2');
    expect(text).toContain('fogpair_consumer_poll_duration_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('fogpair_consumer_retries_total 1');
    expect(text).toContain('fogpair_consumer_breaker_state{state="open"} 1');
    expect(text).toContain('fogpair_consumer_breaker_state{state="closed"} 0');
    expect(text).toContain('fogpair_consumer_breaker_state{state="half_open"} 0');
    expect(text).toContain('fogpair_consumer_last_number 73');
    expect(text).toContain('fogpair_consumer_answers_total{instance="c0ffee"} 1');

    // Read afresh at every scrape.
    history.record(answer(5, 'c0ffee'));
    const again = await scrape(registry);
    expect(again).toContain('fogpair_consumer_polls_total{outcome="ok"} 2');
    expect(again).toContain('fogpair_consumer_answers_total{instance="c0ffee"} 2');
    expect(again).toContain('fogpair_consumer_last_number 5');
    expect(again).toContain('fogpair_consumer_breaker_state{state="closed"} 1');
  });

  it('keeps the instance label space to the instances the history keeps, when a producer invents names', async () => {
    const { registry, history } = setUp(2);
    for (const instance of ['a', 'b', 'c', 'd', 'a']) history.record(answer(1, instance));
    const text = await scrape(registry);
    const series = text.split('\n').filter((line) => line.startsWith('fogpair_consumer_answers_total{'));
    expect(series.sort()).toEqual([
      'fogpair_consumer_answers_total{instance="a"} 1',
      'fogpair_consumer_answers_total{instance="d"} 1',
    ]);
  });

  it('keeps registries apart, so two consumers in one process do not share counts', async () => {
    const first = setUp();
    const second = setUp();
    first.history.record(answer(1, 'a'));
    expect(await scrape(second.registry)).toContain('fogpair_consumer_polls_total{outcome="ok"} 0');
    expect(await scrape(first.registry)).toContain('fogpair_consumer_polls_total{outcome="ok"} 1');
  });
});
