import { Registry } from 'prom-client';
import { CaptureLogger } from '../../shared/test/support/capture-logger';
import { createFailureReporter } from '../src/failure-reporter';
import { createConsumerMetrics } from '../src/metrics';
import { pollProducer } from '../src/poll-producer';
import { PollStats } from '../src/poll-stats';
import type { PollResult } from '../src/producer-circuit';

const AT = Date.UTC(2026, 10, 23, 11, 34);

function setUp() {
  const logger = new CaptureLogger('info');
  const stats = new PollStats();
  const reporter = createFailureReporter(logger, () => AT);
  const registry = new Registry();
  const metrics = createConsumerMetrics(registry);
  const shutdown = new AbortController();
  const poll = (fetch: (signal: AbortSignal) => Promise<PollResult>) =>
    pollProducer({ fetch, stats, reporter, metrics, logger, signal: shutdown.signal, now: () => AT });
  /** The value of one series of the polls counter, as Prometheus would scrape it. */
  const pollsWithOutcome = async (outcome: string) => {
    const { values } = (await registry.getSingleMetric('fogpair_consumer_polls_total')?.get()) ?? { values: [] };
    return values.find((value) => value.labels['outcome'] === outcome)?.value;
  };
  return { logger, stats, shutdown, poll, pollsWithOutcome };
}

const sent = { attempts: 1, probe: false, breaker: 'closed' } as const;
const answer = (number: number, instance = 'p'): Extract<PollResult, { ok: true }> => ({
  ok: true,
  number,
  instance,
  ms: 4,
  ...sent,
});

describe('pollProducer', () => {
  it('logs "Received number: N" with the number, the producer and the latency, and counts it', async () => {
    const { logger, stats, poll, pollsWithOutcome } = setUp();
    const result = await poll(() => Promise.resolve(answer(73, '4f1c')));
    expect(result).toEqual(answer(73, '4f1c'));
    expect(logger.entries).toEqual([
      { level: 'info', message: 'Received number: 73', fields: { number: 73, producer: '4f1c', ms: 4 } },
    ]);
    expect(stats.snapshot()).toMatchObject({
      polls: 1,
      successes: 1,
      lastNumber: 73,
      lastSuccessAt: '2026-11-23T11:34:00.000Z',
      answersByInstance: { '4f1c': 1 },
    });
    expect(await pollsWithOutcome('ok')).toBe(1);
  });

  it('adds the attempts to the line when the answer took a retry', async () => {
    const { logger, poll } = setUp();
    await poll(() => Promise.resolve({ ...answer(5), attempts: 2 }));
    expect(logger.entries).toEqual([
      { level: 'info', message: 'Received number: 5', fields: { number: 5, producer: 'p', ms: 4, attempts: 2 } },
    ]);
  });

  it('passes the shutdown signal to the fetch', async () => {
    const { shutdown, poll } = setUp();
    let received: AbortSignal | undefined;
    await poll((signal) => {
      received = signal;
      return Promise.resolve(answer(1));
    });
    expect(received).toBe(shutdown.signal);
  });

  it('counts a failure by kind and reports it once through the failure reporter', async () => {
    const { logger, stats, poll, pollsWithOutcome } = setUp();
    const refused: PollResult = {
      ok: false,
      kind: 'refused',
      reason: 'connection refused by producer:5000',
      ms: 1,
      ...sent,
    };
    await poll(() => Promise.resolve(refused));
    await poll(() => Promise.resolve(refused));
    expect(logger.entries).toEqual([
      { level: 'warn', message: 'Poll failed: connection refused by producer:5000', fields: { kind: 'refused' } },
    ]);
    expect(stats.snapshot()).toMatchObject({ polls: 2, failures: 2, failuresByKind: { refused: 2 } });
    expect(await pollsWithOutcome('refused')).toBe(2);
  });

  it('says when a failure opens the breaker, and counts the polls it holds back without a line each', async () => {
    const { logger, stats, poll, pollsWithOutcome } = setUp();
    await poll(() =>
      Promise.resolve({
        ok: false,
        kind: 'timeout',
        reason: 'no answer from producer:5000 within 2000 ms',
        ms: 2000,
        attempts: 1,
        probe: false,
        breaker: 'open',
        nextProbeInMs: 15_000,
      }),
    );
    const rejected: PollResult = {
      ok: false,
      kind: 'breaker_open',
      reason: 'circuit breaker is open',
      ms: 0,
      attempts: 0,
      nextProbeInMs: 12_000,
    };
    await poll(() => Promise.resolve(rejected));
    await poll(() => Promise.resolve(rejected));
    expect(logger.messages()).toEqual([
      'Circuit breaker open after 1 failed poll (no answer from producer:5000 within 2000 ms): no requests until the probe in 15 s',
    ]);
    expect(stats.snapshot()).toMatchObject({ polls: 1, failures: 1, breakerRejections: 2 });
    expect(await pollsWithOutcome('breaker_open')).toBe(2);
  });

  it('says when the producer is back', async () => {
    const { logger, poll } = setUp();
    await poll(() => Promise.resolve({ ok: false, kind: 'dns', reason: 'cannot resolve', ms: 1, ...sent }));
    await poll(() => Promise.resolve(answer(2)));
    expect(logger.messages('info')).toEqual(['Producer is back after 0 s (1 poll missed)', 'Received number: 2']);
  });

  it('neither counts nor logs a poll cut short by shutdown', async () => {
    const { logger, stats, shutdown, poll } = setUp();
    const result = await poll(() => {
      shutdown.abort();
      return Promise.resolve({ ok: false, kind: 'network', reason: 'canceled', ms: 1, ...sent });
    });
    expect(result).toBeUndefined();
    expect(logger.entries).toEqual([]);
    expect(stats.snapshot().polls).toBe(0);
  });
});
