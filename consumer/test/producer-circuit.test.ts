import type { FetchResult } from '../src/fetch-number';
import { createProducerCircuit, pollBudgetMs } from '../src/producer-circuit';
import type { BreakerState, ProducerCircuit } from '../src/producer-circuit';
import type { PollBudget, RetriedResult } from '../src/retrying-fetch';

const down: RetriedResult = { ok: false, kind: 'refused', reason: 'connection refused', ms: 1, attempts: 1 };
const up: RetriedResult = { ok: true, number: 9, instance: 'a1', ms: 1, attempts: 1 };

const INTERVAL = 40;

/** A producer whose health the test switches, counting the calls that reach it. */
function producer() {
  const calls: PollBudget[] = [];
  let result: FetchResult = down;
  return {
    calls,
    set: (next: RetriedResult) => {
      result = next;
    },
    call: (budget: PollBudget) => {
      calls.push(budget);
      return Promise.resolve<RetriedResult>({ ...result, attempts: 1 });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const signal = new AbortController().signal;

describe('createProducerCircuit', () => {
  let circuit: ProducerCircuit | undefined;
  afterEach(() => circuit?.shutdown());

  function start(failureThreshold: number, resetMs = 5 * INTERVAL) {
    const target = producer();
    const states: BreakerState[] = [];
    circuit = createProducerCircuit({
      call: target.call,
      failureThreshold,
      resetMs,
      pollIntervalMs: INTERVAL,
      onStateChange: (state) => states.push(state),
    });
    return { target, states, circuit };
  }

  it('opens after the configured number of consecutive failed polls, not before', async () => {
    const { target, states, circuit } = start(3);
    await circuit.poll(signal);
    await circuit.poll(signal);
    target.set(up);
    await circuit.poll(signal); // a success in between starts the count again
    target.set(down);
    expect((await circuit.poll(signal)).ok).toBe(false);
    expect(await circuit.poll(signal)).toMatchObject({ breaker: 'closed' });
    expect(states).toEqual([]);
    const opening = await circuit.poll(signal);
    expect(opening).toMatchObject({ ok: false, kind: 'refused', breaker: 'open', probe: false });
    expect(states).toEqual(['open']);
    expect(circuit.state()).toBe('open');
  });

  it('sends nothing while open and says when the probe is due', async () => {
    const { target, circuit } = start(1);
    await circuit.poll(signal);
    const sent = target.calls.length;
    const rejected = await circuit.poll(signal);
    expect(rejected).toMatchObject({ ok: false, kind: 'breaker_open', attempts: 0 });
    expect(!rejected.ok && 'nextProbeInMs' in rejected ? rejected.nextProbeInMs : 0).toBeGreaterThan(0);
    expect(target.calls).toHaveLength(sent);
  });

  it('lets one single-attempt probe through after the reset period, and closes on success', async () => {
    const { target, states, circuit } = start(1, 3 * INTERVAL);
    await circuit.poll(signal);
    target.set(up);
    await sleep(3 * INTERVAL);
    expect(circuit.state()).toBe('half_open');
    const probe = await circuit.poll(signal);
    expect(probe).toMatchObject({ ok: true, probe: true, breaker: 'closed' });
    expect(target.calls.at(-1)?.maxAttempts).toBe(1);
    expect(states).toEqual(['open', 'half_open', 'closed']);
    // Closed again: polls get their retries back.
    await circuit.poll(signal);
    expect(target.calls.at(-1)?.maxAttempts).toBeUndefined();
  });

  it('reopens when the probe fails', async () => {
    const { states, circuit } = start(1, 2 * INTERVAL);
    await circuit.poll(signal);
    await sleep(2 * INTERVAL);
    const probe = await circuit.poll(signal);
    expect(probe).toMatchObject({ ok: false, probe: true, breaker: 'open' });
    expect(states).toEqual(['open', 'half_open', 'open']);
  });

  it('gives each poll a deadline before the next tick', async () => {
    const { target, circuit } = start(5);
    const before = performance.now();
    await circuit.poll(signal);
    const deadline = target.calls[0]?.deadlineAt ?? Infinity;
    expect(deadline).toBeLessThan(before + INTERVAL + 1);
    expect(pollBudgetMs(3000)).toBe(2900);
    expect(pollBudgetMs(200)).toBe(180);
  });
});
