import { CaptureLogger } from '../../shared/test/support/capture-logger';
import { createFailureReporter } from '../src/failure-reporter';
import type { FetchResult } from '../src/fetch-number';
import { pollProducer } from '../src/poll-producer';
import { PollStats } from '../src/poll-stats';

const AT = Date.UTC(2026, 10, 23, 11, 34);

function setUp() {
  const logger = new CaptureLogger('info');
  const stats = new PollStats();
  const reporter = createFailureReporter(logger, () => AT);
  const shutdown = new AbortController();
  const poll = (fetch: (signal: AbortSignal) => Promise<FetchResult>) =>
    pollProducer({ fetch, stats, reporter, logger, signal: shutdown.signal, now: () => AT });
  return { logger, stats, shutdown, poll };
}

describe('pollProducer', () => {
  it('logs "Received number: N" with the number, the producer and the latency, and counts it', async () => {
    const { logger, stats, poll } = setUp();
    const result = await poll(() => Promise.resolve({ ok: true, number: 73, instance: '4f1c', ms: 4 }));
    expect(result).toEqual({ ok: true, number: 73, instance: '4f1c', ms: 4 });
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
  });

  it('passes the shutdown signal to the fetch', async () => {
    const { shutdown, poll } = setUp();
    let received: AbortSignal | undefined;
    await poll((signal) => {
      received = signal;
      return Promise.resolve({ ok: true, number: 1, instance: 'p', ms: 1 });
    });
    expect(received).toBe(shutdown.signal);
  });

  it('counts a failure by kind and reports it once through the failure reporter', async () => {
    const { logger, stats, poll } = setUp();
    const refused: FetchResult = { ok: false, kind: 'refused', reason: 'connection refused by producer:5000', ms: 1 };
    await poll(() => Promise.resolve(refused));
    await poll(() => Promise.resolve(refused));
    expect(logger.entries).toEqual([
      { level: 'warn', message: 'Poll failed: connection refused by producer:5000', fields: { kind: 'refused' } },
    ]);
    expect(stats.snapshot()).toMatchObject({ polls: 2, failures: 2, failuresByKind: { refused: 2 } });
  });

  it('says when the producer is back', async () => {
    const { logger, poll } = setUp();
    await poll(() => Promise.resolve({ ok: false, kind: 'dns', reason: 'cannot resolve', ms: 1 }));
    await poll(() => Promise.resolve({ ok: true, number: 2, instance: 'p', ms: 1 }));
    expect(logger.messages('info')).toEqual(['Producer is back after 0 s (1 failed polls)', 'Received number: 2']);
  });

  it('neither counts nor logs a poll cut short by shutdown', async () => {
    const { logger, stats, shutdown, poll } = setUp();
    const result = await poll(() => {
      shutdown.abort();
      return Promise.resolve({ ok: false, kind: 'network', reason: 'canceled', ms: 1 });
    });
    expect(result).toBeUndefined();
    expect(logger.entries).toEqual([]);
    expect(stats.snapshot().polls).toBe(0);
  });
});
