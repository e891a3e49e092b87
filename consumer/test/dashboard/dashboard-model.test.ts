import { dashboardSnapshot } from '../../src/dashboard/dashboard-model';
import { PollHistory } from '../../src/poll-history';
import type { PollResult } from '../../src/poll-result';

const SOURCE = { producerUrl: 'http://producer:5000/number', pollIntervalMs: 3000 };

function clock(start = Date.UTC(2026, 10, 23, 12, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const sent = { attempts: 1, probe: false, breaker: 'closed' } as const;
const answer = (number: number, instance: string, ms = 1): PollResult => ({ ok: true, number, instance, ms, ...sent });
const failure = (kind: 'refused' | 'timeout' | 'invalid' | 'reset', reason: string): PollResult => ({
  ok: false,
  kind,
  reason,
  ms: 1,
  ...sent,
});

describe('dashboardSnapshot', () => {
  it('starts empty, the breaker closed', () => {
    const snapshot = dashboardSnapshot(new PollHistory(), SOURCE);
    expect(snapshot.latest).toBeNull();
    expect(snapshot.recent).toEqual([]);
    expect(snapshot.histogram).toMatchObject({ min: 1, max: 180, total: 0 });
    expect(snapshot.histogram.counts).toHaveLength(180);
    expect(snapshot.uniformity.verdict).toBe('too-few');
    expect(snapshot.breaker).toEqual({ state: 'closed' });
    expect(snapshot.polls).toEqual({ total: 0, ok: 0, failed: 0 });
    expect(snapshot.source).toEqual(SOURCE);
  });

  it('shows the last number with who served it and when', () => {
    const time = clock();
    const history = new PollHistory({ now: time.now });
    history.record(answer(73, 'a1', 4));
    time.advance(3000);
    history.record(answer(12, 'b2', 6));
    const snapshot = dashboardSnapshot(history, SOURCE);
    expect(snapshot.startedAt).toBe('2026-11-23T12:00:00.000Z');
    expect(snapshot.latest).toEqual({ number: 12, instance: 'b2', ms: 6, at: '2026-11-23T12:00:03.000Z' });
    expect(snapshot.recent).toEqual([73, 12]);
    expect(snapshot.histogram.counts[72]).toBe(1);
    expect(snapshot.histogram.counts[11]).toBe(1);
    expect(snapshot.instances).toEqual([
      { instance: 'a1', answers: 1, lastSeenAt: '2026-11-23T12:00:00.000Z' },
      { instance: 'b2', answers: 1, lastSeenAt: '2026-11-23T12:00:03.000Z' },
    ]);
    expect(snapshot.polls).toEqual({ total: 2, ok: 2, failed: 0 });
  });

  it('lists the last errors newest first, and keeps a failure from changing the last number', () => {
    const time = clock();
    const history = new PollHistory({ now: time.now, errorCapacity: 2 });
    history.record(answer(5, 'a'));
    for (const kind of ['refused', 'timeout', 'invalid'] as const) {
      time.advance(1000);
      history.record(failure(kind, `because ${kind}`));
    }
    const snapshot = dashboardSnapshot(history, SOURCE);
    expect(snapshot.latest?.number).toBe(5);
    expect(snapshot.errors).toEqual([
      { at: '2026-11-23T12:00:03.000Z', kind: 'invalid', reason: 'because invalid' },
      { at: '2026-11-23T12:00:02.000Z', kind: 'timeout', reason: 'because timeout' },
    ]);
    expect(snapshot.polls).toEqual({ total: 4, ok: 1, failed: 3 });
  });

  it('leaves polls held back by the open breaker out of the polls and the errors', () => {
    const history = new PollHistory();
    history.record(failure('timeout', 'no answer'));
    history.record({
      ok: false,
      kind: 'breaker_open',
      reason: 'circuit breaker is open',
      ms: 0,
      attempts: 0,
      nextProbeInMs: 900,
    });
    const snapshot = dashboardSnapshot(history, SOURCE);
    expect(snapshot.polls).toEqual({ total: 1, ok: 0, failed: 1 });
    expect(snapshot.errors.map((error) => error.kind)).toEqual(['timeout']);
  });

  it('stays the same size however long it runs', () => {
    const history = new PollHistory();
    for (let i = 0; i < 10_000; i++) {
      history.record(answer((i % 180) + 1, `replica-${i % 100}`));
      history.record(failure('reset', 'x'.repeat(10_000)));
    }
    const snapshot = dashboardSnapshot(history, SOURCE);
    expect(snapshot.recent).toHaveLength(60);
    // Exactly the capacity: 100 instances answered, the 24 seen last are listed.
    expect(snapshot.instances).toHaveLength(24);
    expect(snapshot.instances.map((count) => count.instance).sort()).toEqual(
      Array.from({ length: 24 }, (_, i) => `replica-${76 + i}`).sort(),
    );
    expect(snapshot.forgottenInstanceAnswers + snapshot.instances.reduce((sum, count) => sum + count.answers, 0)).toBe(
      10_000,
    );
    expect(snapshot.errors).toHaveLength(8);
    expect(snapshot.errors[0]?.reason).toHaveLength(300);
    expect(snapshot.histogram.total).toBe(10_000);
    expect(JSON.stringify(snapshot).length).toBeLessThan(10_000);
  });

  it('shows the breaker state the history holds, read afresh at every snapshot', () => {
    const history = new PollHistory();
    expect(dashboardSnapshot(history, SOURCE).breaker).toEqual({ state: 'closed' });
    history.record({
      ok: false,
      kind: 'refused',
      reason: 'refused',
      ms: 1,
      attempts: 1,
      probe: false,
      breaker: 'open',
      nextProbeInMs: 9,
    });
    expect(dashboardSnapshot(history, SOURCE).breaker).toEqual({ state: 'open' });
  });
});
