import { InstanceTally } from '../src/instance-tally';

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
