export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The tick due at or after `now` for a schedule that started at `startedAt`: ticks fall at
 * startedAt + k·interval, whatever the callbacks cost, so the period never drifts.
 */
export function nextTick(startedAt: number, intervalMs: number, now: number): { index: number; at: number } {
  const index = Math.max(0, Math.ceil((now - startedAt) / intervalMs));
  return { index, at: startedAt + index * intervalMs };
}

export interface FixedRateScheduleOptions {
  intervalMs: number;
  timers?: Timers;
  /** One unit of work; the next tick does not start it again while it is still running. */
  run: (tick: number) => Promise<void>;
  /** A tick that was due while `run` was still busy, or that the process slept through. */
  onSkip?: (tick: number, reason: 'busy' | 'late') => void;
  /** Called at every tick, busy or not: proof for a health check that the loop is alive. */
  onTick?: (tick: number) => void;
  /** `run` threw or rejected: said once, and the schedule goes on. Not called after `stop()`. */
  onError: (error: unknown, tick: number) => void;
}

export interface FixedRateSchedule {
  stop(): void;
}

/** Starts at once (tick 0) and then every `intervalMs`, never running two units of work at a time. */
export function startFixedRateSchedule({
  intervalMs,
  timers = realTimers,
  run,
  onSkip = () => {},
  onTick = () => {},
  onError,
}: FixedRateScheduleOptions): FixedRateSchedule {
  const startedAt = timers.now();
  let busy = false;
  let stopped = false;
  let handle: unknown;
  let expected = 0;

  const fire = (index: number) => {
    if (stopped) return;
    // Ticks the process slept through (a frozen container, a blocked event loop) are skipped, not
    // run in a burst afterwards.
    for (let missed = expected; missed < index; missed++) onSkip(missed, 'late');
    expected = index + 1;
    onTick(index);
    if (busy) {
      onSkip(index, 'busy');
    } else {
      busy = true;
      // Wrapped, so that a run that throws before it returns a promise is caught too.
      (async () => run(index))()
        .catch((error: unknown) => {
          if (!stopped) onError(error, index);
        })
        .finally(() => {
          busy = false;
        });
    }
    schedule(index + 1);
  };

  const schedule = (minIndex: number) => {
    const now = timers.now();
    // A timer that fires a hair early would find the same tick again; never go backwards.
    const index = Math.max(nextTick(startedAt, intervalMs, now).index, minIndex);
    handle = timers.setTimeout(
      () => {
        const current = Math.floor((timers.now() - startedAt) / intervalMs);
        fire(Math.max(index, current));
      },
      startedAt + index * intervalMs - now,
    );
  };

  fire(0);
  return {
    stop() {
      stopped = true;
      timers.clearTimeout(handle);
    },
  };
}
