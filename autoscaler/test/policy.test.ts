import fc from 'fast-check';
import { explainDecision } from '../src/explain';
import { normalise, upStepLimit, upperBound } from '../src/normalise';
import { EMPTY_MEMORY, decide as decideInNumbers } from '../src/policy';
import type {
  PolicyInput,
  PolicyMemory,
  PolicySettings,
  Sample,
  ServiceObservation,
  SignalReading,
} from '../src/policy';
import { recommend } from '../src/recommend';

const SETTINGS: PolicySettings = { min: 1, max: 10, tolerance: 0.1, scaleUpMaxStep: 4, scaleDownWindowMs: 120_000 };
const T0 = 1_000_000;

const value = (v: number): Sample => ({ ok: true, value: v });
const missing = (reason = 'no samples'): Sample => ({ ok: false, reason });
const rps = (total: Sample | number, target = 150): SignalReading => ({
  signal: 'rps',
  target,
  total: typeof total === 'number' ? value(total) : total,
});
const cpu = (total: Sample | number, target = 0.5): SignalReading => ({
  signal: 'cpu',
  target,
  total: typeof total === 'number' ? value(total) : total,
});

function observation(current: number, extra: Partial<ServiceObservation> = {}): ServiceObservation {
  return { current, ready: current, starting: 0, placeable: Infinity, ...extra };
}

/** A service already known to the policy (not first sight), with an empty window. */
const known = (current: number): PolicyMemory => ({ window: [], expected: current });

function input(obs: ServiceObservation, signals: SignalReading[], extra: Partial<PolicyInput> = {}): PolicyInput {
  return { now: T0, observation: obs, signals, settings: SETTINGS, ...extra };
}

/** Both steps, and the words a user reads for the decision. */
function decide(policyInput: PolicyInput, memory: PolicyMemory) {
  const result = decideInNumbers(policyInput, memory);
  const explanation = explainDecision(result.decision, policyInput.observation, policyInput.settings);
  return { ...result, decision: { ...result.decision, explanation } };
}

describe('scaling up', () => {
  it('asks for ceil(ready × observed / target) and explains it with the numbers', () => {
    const { decision } = decide(input(observation(1), [rps(412)]), known(1));
    expect(decision).toMatchObject({ from: 1, to: 3, direction: 'up', reason: 'load' });
    expect(decision.explanation).toBe('412 req/s per replica, target 150 (tolerance 10 %)');
  });

  it('divides the load by the ready replicas only: starting ones are no capacity yet', () => {
    // 3 in the spec, 1 ready: 300 req/s on that one replica is 2× the target.
    const { decision } = decide(input(observation(3, { ready: 1, starting: 2 }), [rps(300)]), known(3));
    expect(decision.explanation).toMatch(/^300 req\/s per replica/);
    // ceil(1 × 300/150) = 2 < 3: the replicas that are starting will take their share, no second scale-up.
    expect(decision).toMatchObject({ to: 3, direction: 'none' });
  });

  it('does not scale up twice for one load step while the new replicas start', () => {
    let memory = known(1);
    const first = decide(input(observation(1), [rps(400)]), memory);
    expect(first.decision).toMatchObject({ to: 3, direction: 'up' });
    memory = { ...first.memory, expected: 3 };
    // Next evaluation: the spec says 3, two tasks still starting, the same load on the one ready replica.
    const second = decide(input(observation(3, { ready: 1, starting: 2 }), [rps(400)], { now: T0 + 15_000 }), memory);
    expect(second.decision).toMatchObject({ to: 3, direction: 'none' });
  });

  it('adds at most max(×2, +step) replicas per evaluation', () => {
    const { decision } = decide(input(observation(2), [rps(3000)]), known(2));
    expect(decision.wanted).toBe(20);
    expect(decision).toMatchObject({ to: 6, direction: 'up' });
    expect(decision.explanation).toContain('6 first (at most ×2 or +4 per step)');
    const big = decide(input(observation(6), [rps(9000)], { settings: { ...SETTINGS, max: 100 } }), known(6));
    expect(big.decision.to).toBe(12);
  });

  it('lets the signal that asks for more replicas win', () => {
    // rps wants 2, cpu wants 4 (2 × 0.9/0.5 = 3.6).
    const { decision } = decide(input(observation(2), [rps(300), cpu(1.8)]), known(2));
    expect(decision).toMatchObject({ to: 4, direction: 'up' });
    expect(decision.explanation).toBe(
      '0.9 CPU per replica, target 0.5; 150 req/s per replica, target 150 (tolerance 10 %)',
    );
  });

  it('stops at max and says which bound held it', () => {
    const { decision } = decide(input(observation(3), [rps(3000)], { settings: { ...SETTINGS, max: 5 } }), known(3));
    expect(decision).toMatchObject({ to: 5, limitedBy: 'max', wanted: 20 });
  });

  it('stops at what the eligible nodes can place', () => {
    const { decision } = decide(input(observation(1, { placeable: 3 }), [rps(3000)]), known(1));
    expect(decision).toMatchObject({ to: 3, limitedBy: 'placeable', wanted: 20 });
    const atLimit = decide(input(observation(3, { placeable: 3 }), [rps(3000)]), known(3));
    expect(atLimit.decision).toMatchObject({ to: 3, direction: 'none', reason: 'at_limit', limitedBy: 'placeable' });
  });
});

describe('tolerance', () => {
  it.each([136, 150, 165])('holds at %s req/s for a target of 150 (±10 %%)', (total) => {
    const { decision } = decide(input(observation(1), [rps(total)]), known(1));
    expect(decision).toMatchObject({ to: 1, direction: 'none', reason: 'tolerance' });
  });

  it('acts just outside the band', () => {
    expect(decide(input(observation(1), [rps(166)]), known(1)).decision.to).toBe(2);
    expect(decide(input(observation(2), [rps(2 * 134)]), known(2)).decision.recommendation).toBe(2);
    expect(decide(input(observation(4), [rps(4 * 134)]), known(4)).decision.recommendation).toBe(4);
    expect(decide(input(observation(4), [rps(4 * 100)]), known(4)).decision.recommendation).toBe(3);
  });
});

describe('scaling down', () => {
  it('waits until the whole window recommends fewer, then uses its highest recommendation', () => {
    let memory = known(3);
    let now = T0;
    const step = (total: number, current = 3) => {
      const result = decide(input(observation(current), [rps(total)], { now }), memory);
      memory = result.memory;
      now += 15_000;
      return result.decision;
    };
    expect(step(450)).toMatchObject({ to: 3, reason: 'tolerance' }); // at T0: 3 wanted
    expect(step(280)).toMatchObject({ to: 3, reason: 'stabilising', recommendation: 2 });
    for (let i = 0; i < 6; i++) expect(step(100).direction).toBe('none'); // T0+30 s … T0+105 s
    // T0+120 s: T0's recommendation of 3 has left the window; the highest left is 2.
    const down = step(100);
    expect(down).toMatchObject({ from: 3, to: 2, direction: 'down', reason: 'load' });
    expect(down.explanation).toMatch(/; 2, the highest recommendation for 2 min$/);
  });

  it('a short dip removes nothing', () => {
    let memory = known(3);
    const loads = [450, 450, 60, 60, 450, 450, 450, 450, 450, 450, 450];
    loads.forEach((total, index) => {
      const result = decide(input(observation(3), [rps(total)], { now: T0 + index * 15_000 }), memory);
      memory = result.memory;
      expect(result.decision.to).toBe(3);
    });
  });

  it('never below min', () => {
    const { decision } = decide(
      input(observation(3), [rps(0)], { settings: { ...SETTINGS, min: 2, scaleDownWindowMs: 0 } }),
      known(3),
    );
    expect(decision).toMatchObject({ to: 2, direction: 'down' });
  });
});

describe('missing or doubtful data', () => {
  it('holds when no signal has data, and says why', () => {
    const { decision } = decide(input(observation(3), [rps(missing('Prometheus refused the connection'))]), known(3));
    expect(decision).toMatchObject({ to: 3, direction: 'none', reason: 'no_data' });
    expect(decision.explanation).toBe('no data: rps: Prometheus refused the connection');
  });

  it('still scales up on the signal that has data, but never down', () => {
    const up = decide(input(observation(1), [rps(missing()), cpu(1.5)]), known(1));
    expect(up.decision).toMatchObject({ to: 3, direction: 'up' });
    const down = decide(
      input(observation(3), [rps(missing()), cpu(0.1)], { settings: { ...SETTINGS, scaleDownWindowMs: 0 } }),
      known(3),
    );
    expect(down.decision).toMatchObject({ to: 3, direction: 'none', reason: 'no_data' });
  });

  it('does not scale down while Prometheus scrapes fewer targets than replicas are ready', () => {
    const { decision } = decide(
      input(observation(3), [rps(30)], { partialData: true, settings: { ...SETTINGS, scaleDownWindowMs: 0 } }),
      known(3),
    );
    expect(decision).toMatchObject({ to: 3, direction: 'none', reason: 'partial_data' });
    const up = decide(input(observation(1), [rps(400)], { partialData: true }), known(1));
    expect(up.decision.to).toBe(3);
  });

  it('holds when no replica is ready', () => {
    const { decision } = decide(input(observation(2, { ready: 0, starting: 2 }), [rps(0)]), known(2));
    expect(decision).toMatchObject({ direction: 'none', reason: 'no_ready_replicas' });
    expect(decision.explanation).toBe('no replica is ready yet (2 starting)');
  });

  it('a hold on missing data counts as a vote for the current count in the window', () => {
    let memory = known(3);
    const windowMs = SETTINGS.scaleDownWindowMs;
    memory = decide(input(observation(3), [rps(missing())], { now: T0 }), memory).memory;
    const back = decide(input(observation(3), [rps(10)], { now: T0 + windowMs - 1 }), memory);
    expect(back.decision).toMatchObject({ to: 3, reason: 'stabilising' });
  });
});

describe('service state', () => {
  it('does nothing during a rolling update or rollback', () => {
    const { decision } = decide(input(observation(1, { updating: 'update' }), [rps(900)]), known(1));
    expect(decision).toMatchObject({ to: 1, direction: 'none', reason: 'updating' });
  });

  it('brings a count outside [min, max] back at once, without needing data', () => {
    expect(decide(input(observation(0, { ready: 0 }), [rps(missing())]), known(0)).decision).toMatchObject({
      to: 1,
      direction: 'up',
      reason: 'bounds',
    });
    expect(decide(input(observation(12), [rps(missing())]), known(12)).decision).toMatchObject({
      to: 10,
      direction: 'down',
      reason: 'bounds',
    });
  });

  it('on first sight keeps the current count for one window (an autoscaler restart removes nothing)', () => {
    const first = decide(input(observation(3), [rps(10)]), EMPTY_MEMORY);
    expect(first.decision).toMatchObject({ to: 3, reason: 'stabilising' });
    const later = decide(input(observation(3), [rps(10)], { now: T0 + SETTINGS.scaleDownWindowMs }), first.memory);
    expect(later.decision).toMatchObject({ to: 1, direction: 'down' });
  });

  it('adopts a count set by hand and keeps it for one window', () => {
    // The autoscaler last left 2; a person ran `docker service scale web=6`.
    const manual = decide(input(observation(6), [rps(100)]), { window: [{ at: T0 - 1000, replicas: 2 }], expected: 2 });
    expect(manual.decision.manual).toEqual({ from: 2, to: 6 });
    expect(manual.decision).toMatchObject({ to: 6, reason: 'stabilising' });
    expect(manual.memory.window).toEqual([{ at: T0, replicas: 6 }]);
    const after = decide(input(observation(6), [rps(100)], { now: T0 + SETTINGS.scaleDownWindowMs }), manual.memory);
    expect(after.decision).toMatchObject({ from: 6, to: 1, direction: 'down' });
    expect(after.decision.manual).toBeUndefined();
  });

  it('a count set by hand above max goes back to max', () => {
    const { decision } = decide(input(observation(15), [rps(100)]), known(3));
    expect(decision).toMatchObject({ manual: { from: 3, to: 15 }, to: 10, reason: 'bounds' });
  });
});

describe('the two steps', () => {
  it('recommend: what each signal asks for, before any bound, step or memory', () => {
    const recommendation = recommend([rps(3000), cpu(missing('no samples'))], observation(2), 0.1);
    expect(recommendation).toEqual({
      signals: [
        { signal: 'rps', target: 150, perReplica: 1500, wanted: 20 },
        { signal: 'cpu', target: 0.5, missing: 'no samples' },
      ],
      wanted: 20,
    });
    expect(recommend([rps(missing())], observation(2), 0.1).wanted).toBeUndefined();
    expect(recommend([rps(300)], observation(2, { ready: 0, starting: 2 }), 0.1)).toEqual({
      signals: [{ signal: 'rps', target: 150 }],
    });
  });

  it('normalise: the count to set from numbers alone, with the step limit, the bounds and the window', () => {
    const from = (wanted: number | undefined, current = 2, memory = known(current)) =>
      normalise(
        {
          now: T0,
          observation: observation(current),
          recommendation: { signals: [], ...(wanted !== undefined && { wanted }) },
          settings: SETTINGS,
        },
        memory,
      ).decision;
    expect(from(20)).toMatchObject({ to: 6, recommendation: 10, wanted: 20, limitedBy: 'max', reason: 'load' });
    expect(from(undefined)).toMatchObject({ to: 2, direction: 'none', reason: 'no_data' });
    expect(from(1, 3, { window: [{ at: T0 - 1000, replicas: 3 }], expected: 3 })).toMatchObject({
      to: 3,
      reason: 'stabilising',
      recommendation: 1,
      stabilised: 3,
    });
  });
});

describe('the words', () => {
  const explain = (obs: ServiceObservation, signals: SignalReading[], memory: PolicyMemory, extra = {}) =>
    decide(input(obs, signals, extra), memory).decision.explanation;

  it.each<[string, () => string, string]>([
    [
      'a scale-up cut by the step limit and the maximum',
      () => explain(observation(2), [rps(3000)], known(2)),
      '1500 req/s per replica, target 150 (tolerance 10 %); the load asks for 20, the maximum is 10; 6 first (at most ×2 or +4 per step)',
    ],
    [
      'a scale-down to the highest recommendation of the window',
      () => explain(observation(3), [rps(30)], known(3), { settings: { ...SETTINGS, scaleDownWindowMs: 90_000 } }),
      '10 req/s per replica, target 150 (tolerance 10 %); 1, the highest recommendation for 90 s',
    ],
    [
      'a scale-down without a window',
      () => explain(observation(3), [rps(30)], known(3), { settings: { ...SETTINGS, scaleDownWindowMs: 0 } }),
      '10 req/s per replica, target 150 (tolerance 10 %); 1',
    ],
    [
      'a scale-down held by the window',
      () => explain(observation(3), [rps(30)], { window: [{ at: T0 - 1000, replicas: 3 }], expected: 3 }),
      '10 req/s per replica, target 150 (tolerance 10 %); 1 would do, but 3 was recommended within the last 2 min',
    ],
    [
      'a scale-down held by a signal without data',
      () =>
        explain(observation(3), [rps(30), cpu(missing())], known(3), {
          settings: { ...SETTINGS, scaleDownWindowMs: 0 },
        }),
      '10 req/s per replica, target 150; cpu: no samples (tolerance 10 %); not scaling down while cpu has no data',
    ],
    [
      'a scale-down held by partial scrapes',
      () => explain(observation(3), [rps(30)], known(3), { partialData: true }),
      '10 req/s per replica, target 150 (tolerance 10 %); not scaling down while Prometheus scrapes fewer replicas than are ready',
    ],
    [
      'no data at all',
      () => explain(observation(3), [rps(missing('Prometheus refused the connection')), cpu(missing())], known(3)),
      'no data: rps: Prometheus refused the connection; cpu: no samples',
    ],
    [
      'what the nodes can place',
      () => explain(observation(3, { placeable: 3 }), [rps(3000)], known(3)),
      '1000 req/s per replica, target 150 (tolerance 10 %); the load asks for 20, the nodes can place 3',
    ],
    [
      'a rollback',
      () => explain(observation(3, { updating: 'rollback' }), [rps(30)], known(3)),
      'the service is in a rolling rollback; no change until it ends',
    ],
    ['below min', () => explain(observation(0, { ready: 0 }), [rps(0)], known(0)), 'below the minimum of 1 replicas'],
    ['above max', () => explain(observation(11), [rps(0)], known(11)), 'above the maximum of 10 replicas'],
    ['no replica at all', () => explain(observation(2, { ready: 0 }), [rps(0)], known(2)), 'no replica is running'],
  ])('%s', (_name, explanation, expected) => {
    expect(explanation()).toBe(expected);
  });
});

describe('properties', () => {
  const settingsArb = fc
    .record({
      min: fc.integer({ min: 1, max: 5 }),
      span: fc.integer({ min: 0, max: 20 }),
      tolerance: fc.double({ min: 0, max: 0.5, noNaN: true }),
      scaleUpMaxStep: fc.integer({ min: 1, max: 8 }),
      scaleDownWindowMs: fc.integer({ min: 0, max: 300_000 }),
    })
    .map(({ span, ...rest }): PolicySettings => ({ ...rest, max: rest.min + span }));
  const sampleArb = fc.oneof(
    { weight: 4, arbitrary: fc.double({ min: 0, max: 10_000, noNaN: true }).map(value) },
    { weight: 1, arbitrary: fc.constant(missing()) },
  );
  const stepArb = fc.record({
    dt: fc.integer({ min: 1, max: 60_000 }),
    rpsTotal: sampleArb,
    cpuTotal: sampleArb,
    useCpu: fc.boolean(),
    readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
    placeable: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 30 })),
    partialData: fc.boolean(),
    updating: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant('update') },
    ),
    manual: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }) },
    ),
  });

  it('keeps every invariant over random runs', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.integer({ min: 0, max: 30 }),
        fc.array(stepArb, { maxLength: 40 }),
        (settings, start, steps) => {
          let memory: PolicyMemory = EMPTY_MEMORY;
          let current = start;
          let now = T0;
          const history: { at: number; recommendation: number }[] = [];
          for (const step of steps) {
            now += step.dt;
            if (step.manual !== undefined) current = step.manual;
            const ready = Math.round(current * step.readyShare);
            const obs: ServiceObservation = {
              current,
              ready,
              starting: current - ready,
              placeable: step.placeable,
              updating: step.updating,
            };
            const signals = [rps(step.rpsTotal), ...(step.useCpu ? [cpu(step.cpuTotal)] : [])];
            const { decision, memory: next } = decide(
              { now, observation: obs, signals, settings, partialData: step.partialData },
              memory,
            );
            const inBounds = current >= settings.min && current <= settings.max;
            if (step.updating) {
              expect(decision).toMatchObject({ direction: 'none', reason: 'updating' });
            } else {
              // Never outside [min, max]; a count outside is brought back, and only then.
              expect(decision.to).toBeGreaterThanOrEqual(settings.min);
              expect(decision.to).toBeLessThanOrEqual(settings.max);
              if (!inBounds) expect(decision.reason).toBe('bounds');
            }
            if (inBounds && !step.updating) {
              // Up: bounded per step, never above what the nodes can place (or min).
              if (decision.direction === 'up') {
                expect(decision.to).toBeLessThanOrEqual(upStepLimit(current, settings.scaleUpMaxStep));
                expect(decision.to).toBeLessThanOrEqual(upperBound(settings, step.placeable));
              }
              // Down: never on missing or partial data, never below a recommendation inside the window.
              if (decision.direction === 'down') {
                expect(signals.every((signal) => signal.total.ok)).toBe(true);
                expect(step.partialData).toBe(false);
                for (const past of history) {
                  if (past.at > now - settings.scaleDownWindowMs) {
                    expect(decision.to).toBeGreaterThanOrEqual(Math.min(current, past.recommendation));
                  }
                }
              }
              // Inside the tolerance band for every signal: nothing changes.
              if (
                ready > 0 &&
                signals.every(
                  (signal) =>
                    signal.total.ok && Math.abs(signal.total.value / ready / signal.target - 1) <= settings.tolerance,
                )
              ) {
                expect(decision.direction).toBe('none');
              }
            }
            if (decision.manual || memory.expected === undefined) history.length = 0;
            history.push({ at: now, recommendation: decision.recommendation });
            memory = decision.direction === 'none' ? next : { ...next, expected: decision.to };
            current = decision.to;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
