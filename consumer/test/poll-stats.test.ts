import { PollStats } from '../src/poll-stats';

describe('PollStats', () => {
  it('starts empty, with nulls rather than made-up numbers', () => {
    expect(new PollStats().snapshot()).toEqual({
      polls: 0,
      successes: 0,
      failures: 0,
      failuresByKind: {},
      skippedTicks: 0,
      breakerRejections: 0,
      breaker: { state: 'closed', opens: 0 },
      lastNumber: null,
      lastSuccessAt: null,
      numbers: { count: 0, min: null, max: null, mean: null },
      answersByInstance: {},
    });
  });

  it('counts polls, successes and failures by kind, and skipped ticks', () => {
    const stats = new PollStats();
    stats.recordSuccess(10, 'a', 0);
    stats.recordFailure('refused');
    stats.recordFailure('refused');
    stats.recordFailure('timeout');
    stats.recordSkip();
    const snapshot = stats.snapshot();
    expect(snapshot).toMatchObject({ polls: 4, successes: 1, failures: 3, skippedTicks: 1 });
    expect(snapshot.failuresByKind).toEqual({ refused: 2, timeout: 1 });
  });

  it('counts polls the breaker held back apart from sent polls, and how often it opened', () => {
    const stats = new PollStats();
    stats.recordFailure('timeout');
    stats.recordBreakerState('open');
    stats.recordBreakerRejection();
    stats.recordBreakerRejection();
    stats.recordBreakerState('half_open');
    stats.recordBreakerState('open'); // the probe failed: the same outage, but it opened again
    stats.recordBreakerState('open');
    expect(stats.snapshot()).toMatchObject({
      polls: 1,
      failures: 1,
      breakerRejections: 2,
      breaker: { state: 'open', opens: 2 },
    });
    stats.recordBreakerState('closed');
    expect(stats.snapshot().breaker).toEqual({ state: 'closed', opens: 2 });
  });

  it('keeps min, max and mean (to two decimals) of the numbers received, and the last one', () => {
    const stats = new PollStats();
    for (const value of [180, 1, 7]) stats.recordSuccess(value, 'a', Date.UTC(2026, 0, 1, 0, 0, value));
    expect(stats.snapshot().numbers).toEqual({ count: 3, min: 1, max: 180, mean: 62.67 });
    expect(stats.snapshot().lastNumber).toBe(7);
    expect(stats.snapshot().lastSuccessAt).toBe('2026-01-01T00:00:07.000Z');
  });

  it('counts answers per producer instance, showing how Swarm spreads the polls', () => {
    const stats = new PollStats();
    for (const instance of ['p1', 'p2', 'p1', 'p3', 'p1']) stats.recordSuccess(5, instance, 0);
    expect(stats.snapshot().answersByInstance).toEqual({ p1: 3, p2: 1, p3: 1 });
  });

  it('returns a snapshot that later polls do not change', () => {
    const stats = new PollStats();
    stats.recordSuccess(5, 'p1', 0);
    const before = stats.snapshot();
    stats.recordSuccess(6, 'p1', 0);
    stats.recordFailure('dns');
    expect(before.answersByInstance).toEqual({ p1: 1 });
    expect(before.failuresByKind).toEqual({});
    expect(before.polls).toBe(1);
  });

  it('serialises to plain JSON', () => {
    const stats = new PollStats();
    stats.recordSuccess(5, 'p1', 0);
    stats.recordFailure('invalid');
    const snapshot = stats.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});
