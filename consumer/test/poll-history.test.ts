import { INSTANCE_CAPACITY, PollHistory } from '../src/poll-history';
import type { FailureKind, PollResult, SentPollResult } from '../src/poll-result';

const sent = { attempts: 1, probe: false, breaker: 'closed' } as const;
const answer = (number: number, instance = 'a', attempts = 1): SentPollResult => ({
  ok: true,
  number,
  instance,
  ms: 1,
  ...sent,
  attempts,
});
const failure = (kind: FailureKind, attempts = 1): PollResult => ({
  ok: false,
  kind,
  reason: kind,
  ms: 1,
  ...sent,
  attempts,
});
/** The failed poll that opens the breaker. */
const opening = (kind: FailureKind): SentPollResult => ({
  ok: false,
  kind,
  reason: kind,
  ms: 1,
  attempts: 1,
  probe: false,
  breaker: 'open',
  nextProbeInMs: 1000,
});
const heldBack: PollResult = {
  ok: false,
  kind: 'breaker_open',
  reason: 'circuit breaker is open',
  ms: 0,
  attempts: 0,
  nextProbeInMs: 1000,
};

describe('PollHistory.stats (GET /stats)', () => {
  it('starts empty, with nulls rather than made-up numbers', () => {
    expect(new PollHistory().stats()).toEqual({
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
      forgottenInstanceAnswers: 0,
    });
  });

  it('counts polls, successes and failures by kind, and skipped ticks', () => {
    const history = new PollHistory();
    history.record(answer(10));
    history.record(failure('refused'));
    history.record(failure('refused'));
    history.record(failure('timeout'));
    history.recordSkip();
    const stats = history.stats();
    expect(stats).toMatchObject({ polls: 4, successes: 1, failures: 3, skippedTicks: 1 });
    expect(stats.failuresByKind).toEqual({ refused: 2, timeout: 1 });
  });

  it('counts polls the breaker held back apart from sent polls, and how often it opened', () => {
    const history = new PollHistory();
    history.record(failure('timeout'));
    expect(history.stats().breaker).toEqual({ state: 'closed', opens: 0 });
    history.record(opening('timeout'));
    history.record(heldBack);
    history.record(heldBack);
    history.record({ ...opening('refused'), probe: true }); // the probe failed: the same outage, but it opened again
    history.record(heldBack);
    expect(history.stats()).toMatchObject({
      polls: 3,
      failures: 3,
      breakerRejections: 3,
      breaker: { state: 'open', opens: 2 },
    });
    history.record({ ...answer(7), probe: true });
    expect(history.stats().breaker).toEqual({ state: 'closed', opens: 2 });
  });

  it('keeps min, max and mean (to two decimals) of the numbers received, and the last one', () => {
    let clock = 0;
    const history = new PollHistory({ now: () => clock });
    for (const value of [180, 1, 7]) {
      clock = Date.UTC(2026, 0, 1, 0, 0, value);
      history.record(answer(value));
    }
    expect(history.stats().numbers).toEqual({ count: 3, min: 1, max: 180, mean: 62.67 });
    expect(history.stats().lastNumber).toBe(7);
    expect(history.stats().lastSuccessAt).toBe('2026-01-01T00:00:07.000Z');
  });

  it('counts answers per producer instance, showing how Swarm spreads the polls', () => {
    const history = new PollHistory();
    for (const instance of ['p1', 'p2', 'p1', 'p3', 'p1']) history.record(answer(5, instance));
    expect(history.stats().answersByInstance).toEqual({ p1: 3, p2: 1, p3: 1 });
  });

  it('counts the retries polls took', () => {
    const history = new PollHistory();
    history.record(answer(5, 'a', 3));
    history.record(failure('refused', 2));
    history.record(heldBack);
    expect(history.polls).toEqual({ sent: 2, ok: 1, failed: 1, skipped: 0, heldBack: 1, retries: 3 });
  });

  it('returns a snapshot that later polls do not change', () => {
    const history = new PollHistory();
    history.record(answer(5, 'p1'));
    const before = history.stats();
    history.record(answer(6, 'p1'));
    history.record(failure('dns'));
    expect(before.answersByInstance).toEqual({ p1: 1 });
    expect(before.failuresByKind).toEqual({});
    expect(before.polls).toBe(1);
  });

  it('serialises to plain JSON', () => {
    const history = new PollHistory();
    history.record(answer(5, 'p1'));
    history.record(failure('invalid'));
    const stats = history.stats();
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });
});

describe('PollHistory bounds', () => {
  it(`keeps the ${INSTANCE_CAPACITY} instances seen most recently; the others' answers in one total`, () => {
    const history = new PollHistory();
    for (let i = 0; i < 100; i++) history.record(answer(5, `replica-${i}`));
    history.record(answer(5, 'replica-0'));
    const stats = history.stats();
    expect(Object.keys(stats.answersByInstance)).toHaveLength(INSTANCE_CAPACITY);
    expect(stats.answersByInstance['replica-0']).toBe(1); // back, counted afresh
    expect(stats.answersByInstance['replica-99']).toBe(1);
    expect(stats.answersByInstance['replica-1']).toBeUndefined();
    expect(stats.forgottenInstanceAnswers).toBe(101 - INSTANCE_CAPACITY);
    expect(stats.successes).toBe(101);
  });
});
