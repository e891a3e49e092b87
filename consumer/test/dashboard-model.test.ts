import { Histogram } from '../src/dashboard/histogram';
import { InstanceTally } from '../src/dashboard/instance-tally';
import { RingBuffer } from '../src/dashboard/ring-buffer';
import { DashboardModel } from '../src/dashboard/dashboard-model';

describe('RingBuffer', () => {
  it('keeps the last items, oldest first', () => {
    const buffer = new RingBuffer<number>(3);
    expect(buffer.toArray()).toEqual([]);
    [1, 2].forEach((n) => buffer.push(n));
    expect(buffer.toArray()).toEqual([1, 2]);
    [3, 4, 5].forEach((n) => buffer.push(n));
    expect(buffer.toArray()).toEqual([3, 4, 5]);
    buffer.push(6);
    expect(buffer.toArray()).toEqual([4, 5, 6]);
    expect(buffer.size).toBe(3);
  });

  it('rejects a capacity that cannot hold anything', () => {
    expect(() => new RingBuffer(0)).toThrow('capacity must be a whole number >= 1 (got 0)');
  });
});

describe('Histogram', () => {
  it('counts each whole number in range and ignores the rest', () => {
    const histogram = new Histogram(1, 5);
    for (const value of [1, 5, 5, 3, 0, 6, 2.5, Number.NaN]) histogram.record(value);
    expect(histogram.counts()).toEqual([1, 0, 1, 0, 2]);
    expect(histogram.total).toBe(4);
  });

  it('hands out copies, so a reader cannot change the counts', () => {
    const histogram = new Histogram(1, 2);
    histogram.counts()[0] = 99;
    expect(histogram.counts()).toEqual([0, 0]);
  });
});

describe('InstanceTally', () => {
  it('counts answers per instance, most answers first, ties by name', () => {
    const tally = new InstanceTally(5);
    ['b', 'a', 'c', 'a', 'b', 'a'].forEach((instance, at) => tally.record(instance, at));
    expect(tally.counts()).toEqual([
      { instance: 'a', answers: 3, lastSeenAt: 5 },
      { instance: 'b', answers: 2, lastSeenAt: 4 },
      { instance: 'c', answers: 1, lastSeenAt: 2 },
    ]);
  });

  it('forgets the instance seen least recently beyond its capacity, keeping its answers in a total', () => {
    const tally = new InstanceTally(2);
    tally.record('old', 1);
    tally.record('old', 2);
    tally.record('busy', 3);
    tally.record('old', 4); // old is now the most recent
    tally.record('new', 5); // busy goes
    expect(tally.counts().map((count) => count.instance)).toEqual(['old', 'new']);
    expect(tally.forgottenAnswers).toBe(1);
    for (let i = 0; i < 1000; i++) tally.record(`replica-${i}`, 10 + i);
    expect(tally.counts()).toHaveLength(2);
    expect(tally.forgottenAnswers + tally.counts().reduce((sum, count) => sum + count.answers, 0)).toBe(1005);
  });
});

describe('DashboardModel', () => {
  const clock = (start = Date.UTC(2026, 10, 23, 12, 0, 0)) => {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('starts empty, with no breaker to show', () => {
    const model = new DashboardModel({ producerUrl: 'http://producer:5000/number', pollIntervalMs: 3000 });
    const snapshot = model.snapshot();
    expect(snapshot.latest).toBeNull();
    expect(snapshot.recent).toEqual([]);
    expect(snapshot.histogram).toMatchObject({ min: 1, max: 180, total: 0 });
    expect(snapshot.histogram.counts).toHaveLength(180);
    expect(snapshot.uniformity.verdict).toBe('too-few');
    expect(snapshot.breaker).toEqual({ state: 'n/a' });
    expect(snapshot.polls).toEqual({ total: 0, ok: 0, failed: 0 });
    expect(snapshot.source).toEqual({ producerUrl: 'http://producer:5000/number', pollIntervalMs: 3000 });
  });

  it('shows the last number with who served it and when', () => {
    const time = clock();
    const model = new DashboardModel({ producerUrl: 'u', pollIntervalMs: 100, now: time.now });
    model.record({ ok: true, number: 73, instance: 'a1', ms: 4 });
    time.advance(3000);
    model.record({ ok: true, number: 12, instance: 'b2', ms: 6 });
    const snapshot = model.snapshot();
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
    const model = new DashboardModel({ producerUrl: 'u', pollIntervalMs: 100, now: time.now, errorCapacity: 2 });
    model.record({ ok: true, number: 5, instance: 'a', ms: 1 });
    for (const kind of ['refused', 'timeout', 'invalid']) {
      time.advance(1000);
      model.record({ ok: false, kind, reason: `because ${kind}` });
    }
    const snapshot = model.snapshot();
    expect(snapshot.latest?.number).toBe(5);
    expect(snapshot.errors).toEqual([
      { at: '2026-11-23T12:00:03.000Z', kind: 'invalid', reason: 'because invalid' },
      { at: '2026-11-23T12:00:02.000Z', kind: 'timeout', reason: 'because timeout' },
    ]);
    expect(snapshot.polls).toEqual({ total: 4, ok: 1, failed: 3 });
  });

  it('stays the same size however long it runs', () => {
    const model = new DashboardModel({ producerUrl: 'u', pollIntervalMs: 100 });
    for (let i = 0; i < 10_000; i++) {
      model.record({ ok: true, number: (i % 180) + 1, instance: `replica-${i % 100}`, ms: 1 });
      model.record({ ok: false, kind: 'reset', reason: 'x'.repeat(10_000) });
    }
    const snapshot = model.snapshot();
    expect(snapshot.recent).toHaveLength(60);
    expect(snapshot.instances.length).toBeLessThanOrEqual(24);
    expect(snapshot.errors.length).toBeLessThanOrEqual(8);
    expect(snapshot.errors[0]?.reason.length).toBeLessThanOrEqual(300);
    expect(snapshot.histogram.total).toBe(10_000);
    expect(JSON.stringify(snapshot).length).toBeLessThan(10_000);
  });

  it('shows the breaker state it is given, read afresh at every snapshot', () => {
    let state: 'closed' | 'open' = 'closed';
    const model = new DashboardModel({
      producerUrl: 'u',
      pollIntervalMs: 100,
      breaker: () => (state === 'open' ? { state, detail: 'next probe in 15 s' } : { state }),
    });
    expect(model.snapshot().breaker).toEqual({ state: 'closed' });
    state = 'open';
    expect(model.snapshot().breaker).toEqual({ state: 'open', detail: 'next probe in 15 s' });
  });
});
