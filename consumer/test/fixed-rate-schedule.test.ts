import { nextTick, startFixedRateSchedule } from '../src/fixed-rate-schedule';
import type { FixedRateSchedule, FixedRateScheduleOptions, Timers } from '../src/fixed-rate-schedule';
import { seededRandom } from '../../test/support/seeded-random';

const INTERVAL = 1000;
const T0 = 1_700_000_000_000;

/**
 * Timers on jest's fake clock. `lateness` delays each timer beyond what was asked, as a busy event
 * loop or a paused container does.
 */
function fakeTimers(lateness: () => number = () => 0): Timers {
  return {
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms + lateness()),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('nextTick', () => {
  it.each([
    [T0, { index: 0, at: T0 }],
    [T0 + 1, { index: 1, at: T0 + INTERVAL }],
    [T0 + INTERVAL, { index: 1, at: T0 + INTERVAL }],
    [T0 + INTERVAL + 1, { index: 2, at: T0 + 2 * INTERVAL }],
    [T0 + 10.5 * INTERVAL, { index: 11, at: T0 + 11 * INTERVAL }],
    [T0 - 5000, { index: 0, at: T0 }],
  ])('at %d is %j', (now, expected) => {
    expect(nextTick(T0, INTERVAL, now)).toEqual(expected);
  });
});

describe('startFixedRateSchedule', () => {
  let schedule: FixedRateSchedule | undefined;
  let starts: number[];
  let skips: [number, 'busy' | 'late'][];
  let ticks: number[];
  let errors: [unknown, number][];

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    starts = [];
    skips = [];
    ticks = [];
    errors = [];
  });

  afterEach(() => {
    schedule?.stop();
    schedule = undefined;
    jest.useRealTimers();
  });

  function start(options: Partial<FixedRateScheduleOptions> & Pick<FixedRateScheduleOptions, 'run'>) {
    schedule = startFixedRateSchedule({
      intervalMs: INTERVAL,
      timers: fakeTimers(),
      onSkip: (tick, reason) => skips.push([tick, reason]),
      onTick: (tick) => ticks.push(tick),
      onError: (error, tick) => errors.push([error, tick]),
      ...options,
    });
    return schedule;
  }

  /** A run that records when it started and takes `duration(tick)` ms on the fake clock. */
  function recordingRun(duration: (tick: number) => number = () => 0) {
    return async (tick: number) => {
      starts.push(Date.now());
      await sleep(duration(tick));
    };
  }

  it('runs at once, then at t0 + k·interval', async () => {
    start({ run: recordingRun() });
    expect(starts).toEqual([T0]);
    await jest.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(starts).toEqual([0, 1, 2, 3, 4, 5].map((k) => T0 + k * INTERVAL));
    expect(ticks).toEqual([0, 1, 2, 3, 4, 5]);
    expect(skips).toEqual([]);
  });

  it('does not drift over 1000 ticks when runs take 0..interval/2 and timers fire up to interval/2 late', async () => {
    const random = seededRandom(42);
    schedule = startFixedRateSchedule({
      intervalMs: INTERVAL,
      timers: fakeTimers(() => Math.floor(random() * (INTERVAL / 2))),
      run: recordingRun(() => Math.floor(random() * (INTERVAL / 2))),
      onSkip: (tick, reason) => skips.push([tick, reason]),
      onError: (error, tick) => errors.push([error, tick]),
    });
    await jest.advanceTimersByTimeAsync(999 * INTERVAL + INTERVAL / 2);

    expect(starts).toHaveLength(1000);
    expect(skips).toEqual([]);
    // Each run starts within its own tick's lateness; delays never add up. A loop that waited a
    // full interval after each run or timer would be ~500 s behind by tick 999.
    const offsets = starts.map((at, k) => at - (T0 + k * INTERVAL));
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(INTERVAL / 2);
  });

  it('skips a tick while the previous run is still busy, never running two at once', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    start({
      run: async (tick) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        starts.push(Date.now());
        await sleep(tick === 0 ? 2.5 * INTERVAL : 10);
        inFlight--;
      },
    });
    await jest.advanceTimersByTimeAsync(4 * INTERVAL);

    expect(skips).toEqual([
      [1, 'busy'],
      [2, 'busy'],
    ]);
    expect(starts).toEqual([T0, T0 + 3 * INTERVAL, T0 + 4 * INTERVAL]);
    expect(ticks).toEqual([0, 1, 2, 3, 4]);
    expect(mostInFlight).toBe(1);
  });

  it('skips the ticks a paused process slept through, instead of running them in a burst', async () => {
    let timersSet = 0;
    // The third timer fires 5.5 intervals late: the container was frozen (docker pause, a GC storm).
    const pausedOnce = fakeTimers(() => (++timersSet === 3 ? 5.5 * INTERVAL : 0));
    start({ run: recordingRun(), timers: pausedOnce });
    await jest.advanceTimersByTimeAsync(10 * INTERVAL);

    expect(skips).toEqual([3, 4, 5, 6, 7].map((tick) => [tick, 'late']));
    const ran = starts.map((at) => (at - T0) / INTERVAL);
    // Tick 8 runs at 8.5 (when the process wakes), then the schedule is back on its grid.
    expect(ran).toEqual([0, 1, 2, 8.5, 9, 10]);
  });

  it('says once that a run failed, whether it threw or rejected, and keeps going', async () => {
    const thrown = new Error('thrown');
    const rejected = new Error('rejected');
    start({
      run: (tick) => {
        starts.push(Date.now());
        if (tick === 1) throw thrown;
        return tick === 2 ? Promise.reject(rejected) : Promise.resolve();
      },
    });
    await jest.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(errors).toEqual([
      [thrown, 1],
      [rejected, 2],
    ]);
    expect(starts).toEqual([0, 1, 2, 3].map((k) => T0 + k * INTERVAL));
  });

  it('says nothing of a run that fails after stop()', async () => {
    const running = start({
      run: async () => {
        await sleep(INTERVAL / 2);
        throw new Error('cut short by the shutdown');
      },
    });
    await jest.advanceTimersByTimeAsync(INTERVAL / 4);
    running.stop();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(errors).toEqual([]);
  });

  it('stop() prevents any further run or tick', async () => {
    const running = start({ run: recordingRun() });
    await jest.advanceTimersByTimeAsync(2 * INTERVAL);
    running.stop();
    await jest.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(starts).toEqual([T0, T0 + INTERVAL, T0 + 2 * INTERVAL]);
    expect(ticks).toEqual([0, 1, 2]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stop() during a run lets that run finish and starts no other', async () => {
    let finished = 0;
    const running = start({
      run: async () => {
        starts.push(Date.now());
        await sleep(INTERVAL / 2);
        finished++;
      },
    });
    await jest.advanceTimersByTimeAsync(INTERVAL / 4);
    running.stop();
    await jest.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(starts).toEqual([T0]);
    expect(finished).toBe(1);
  });
});
