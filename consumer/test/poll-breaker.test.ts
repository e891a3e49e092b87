import { createPollBreaker } from '../src/poll-breaker';
import type { RetriedResult } from '../src/poll-result';
import type { PollBudget } from '../src/retrying-fetch';

const down: RetriedResult = { ok: false, kind: 'refused', reason: 'connection refused', ms: 1, attempts: 1 };
const up: RetriedResult = { ok: true, number: 9, instance: 'a1', ms: 1, attempts: 1 };

const INTERVAL = 40;
const BUDGET = 36;

/** A producer whose health the test switches, counting the calls that reach it; each takes `callMs`. */
function producer(clock: { ms: number }, callMs = 0) {
  const calls: PollBudget[] = [];
  let result: RetriedResult = down;
  return {
    calls,
    set: (next: RetriedResult) => {
      result = next;
    },
    call: (budget: PollBudget) => {
      calls.push(budget);
      clock.ms += callMs;
      return Promise.resolve<RetriedResult>({ ...result });
    },
  };
}

const signal = new AbortController().signal;

/** The breaker on a clock the test moves, with the half-open moment half an interval before the probe's tick. */
function start(failureThreshold: number, probeAfterMs = 5 * INTERVAL, callMs = 0) {
  const clock = { ms: 1_000_000 };
  const startedAt = clock.ms;
  const target = producer(clock, callMs);
  const breaker = createPollBreaker({
    call: target.call,
    failureThreshold,
    probeAfterMs,
    halfOpenAfterMs: probeAfterMs - INTERVAL / 2,
    pollBudgetMs: BUDGET,
    now: () => clock.ms,
  });
  /** The poll of tick `tick`, `lateMs` after its time (a timer firing late, or early when negative). */
  const pollAtTick = (tick: number, lateMs = 0) => {
    clock.ms = startedAt + tick * INTERVAL + lateMs;
    return breaker.poll(signal);
  };
  return { target, pollAtTick };
}

describe('createPollBreaker', () => {
  it('opens after the configured number of consecutive failed polls, not before', async () => {
    const { target, pollAtTick } = start(3);
    expect(await pollAtTick(0)).toMatchObject({ ok: false, breaker: 'closed' });
    expect(await pollAtTick(1)).toMatchObject({ ok: false, breaker: 'closed' });
    target.set(up);
    expect(await pollAtTick(2)).toMatchObject({ ok: true, breaker: 'closed' }); // the count starts again
    target.set(down);
    expect(await pollAtTick(3)).toMatchObject({ ok: false, breaker: 'closed', probe: false });
    expect(await pollAtTick(4)).toMatchObject({ ok: false, breaker: 'closed', probe: false });
    const opening = await pollAtTick(5);
    expect(opening).toMatchObject({ ok: false, kind: 'refused', breaker: 'open', probe: false });
    expect(await pollAtTick(6)).toMatchObject({ kind: 'breaker_open' });
    expect(target.calls).toHaveLength(6);
  });

  it('sends nothing while open and says exactly when the probe is due', async () => {
    const { target, pollAtTick } = start(1, 5 * INTERVAL, 7);
    // Opened 7 ms into the poll of tick 0: the probe is the poll of tick 5, 193 ms later.
    expect(await pollAtTick(0)).toMatchObject({ breaker: 'open', nextProbeInMs: 5 * INTERVAL - 7 });
    for (let tick = 1; tick <= 4; tick++) {
      expect(await pollAtTick(tick)).toEqual({
        ok: false,
        kind: 'breaker_open',
        reason: 'circuit breaker is open',
        ms: 0,
        attempts: 0,
        nextProbeInMs: (5 - tick) * INTERVAL,
      });
    }
    expect(target.calls).toHaveLength(1);
  });

  it('lets one single-attempt probe through on the tick due, and closes on success', async () => {
    const { target, pollAtTick } = start(1, 3 * INTERVAL);
    await pollAtTick(0);
    target.set(up);
    expect(await pollAtTick(2)).toMatchObject({ kind: 'breaker_open' });
    const probe = await pollAtTick(3);
    expect(probe).toMatchObject({ ok: true, probe: true, breaker: 'closed' });
    expect(target.calls).toHaveLength(2);
    expect(target.calls.at(-1)?.maxAttempts).toBe(1);
    // Closed again: polls get their retries back.
    expect(await pollAtTick(4)).toMatchObject({ ok: true, probe: false });
    expect(target.calls.at(-1)?.maxAttempts).toBeUndefined();
  });

  it('keeps the probe on its tick when timers fire early or late by less than half an interval in all', async () => {
    const slowFailure = start(1, 5 * INTERVAL, 30); // the opening poll took most of its budget
    await slowFailure.pollAtTick(0);
    expect(await slowFailure.pollAtTick(4, INTERVAL / 2 - 1)).toMatchObject({ kind: 'breaker_open' });
    expect(await slowFailure.pollAtTick(5, -(INTERVAL / 2) + 1)).toMatchObject({ probe: true });

    const lateThenEarly = start(1, 5 * INTERVAL);
    await lateThenEarly.pollAtTick(0, 10);
    expect(await lateThenEarly.pollAtTick(4, 9)).toMatchObject({ kind: 'breaker_open' });
    expect(await lateThenEarly.pollAtTick(5, -9)).toMatchObject({ probe: true });
  });

  it('reopens when the probe fails, with the next probe as far from it', async () => {
    const { target, pollAtTick } = start(1, 2 * INTERVAL);
    await pollAtTick(0);
    const probe = await pollAtTick(2);
    expect(probe).toMatchObject({ ok: false, probe: true, breaker: 'open', nextProbeInMs: 2 * INTERVAL });
    expect(await pollAtTick(3)).toMatchObject({ kind: 'breaker_open', nextProbeInMs: INTERVAL });
    expect(await pollAtTick(4)).toMatchObject({ ok: false, probe: true });
    expect(target.calls).toHaveLength(3);
  });

  it('times the probe on its own clock alone: a wall clock set forward or back does not move it', async () => {
    const { target, pollAtTick } = start(1, 3 * INTERVAL);
    const wallClock = jest.spyOn(Date, 'now');
    try {
      wallClock.mockReturnValue(Date.UTC(2026, 0, 1));
      await pollAtTick(0);
      wallClock.mockReturnValue(Date.UTC(2036, 0, 1)); // set forward ten years, as NTP does on a Pi at boot
      expect(await pollAtTick(1)).toMatchObject({ kind: 'breaker_open', nextProbeInMs: 2 * INTERVAL });
      wallClock.mockReturnValue(Date.UTC(2016, 0, 1)); // and back
      expect(await pollAtTick(2)).toMatchObject({ kind: 'breaker_open', nextProbeInMs: INTERVAL });
      target.set(up);
      expect(await pollAtTick(3)).toMatchObject({ ok: true, probe: true, breaker: 'closed' });
    } finally {
      wallClock.mockRestore();
    }
  });

  it('gives every poll the budget that ends it before the next tick', async () => {
    const { target, pollAtTick } = start(5);
    await pollAtTick(0);
    await pollAtTick(1);
    expect(target.calls.map((budget) => budget.budgetMs)).toEqual([BUDGET, BUDGET]);
    expect(target.calls[0]?.signal).toBe(signal);
  });
});
