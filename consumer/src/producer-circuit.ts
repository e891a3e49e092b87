import CircuitBreaker from 'opossum';
import type { PollBudget, RetriedResult } from './retrying-fetch';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** A poll the open breaker did not send. */
export interface BreakerOpenResult {
  ok: false;
  kind: 'breaker_open';
  reason: string;
  ms: 0;
  attempts: 0;
  nextProbeInMs: number;
}

/** A poll that went out: `probe` when it was the breaker's one trial, `breaker` the state after it. */
export type SentPollResult = RetriedResult & { probe: boolean; breaker: BreakerState; nextProbeInMs?: number };

export type PollResult = SentPollResult | BreakerOpenResult;

export interface ProducerCircuitOptions {
  call: (budget: PollBudget) => Promise<RetriedResult>;
  /** Consecutive failed polls that open the breaker. */
  failureThreshold: number;
  /** The probe goes out on the last poll tick within this long of the poll that opened the breaker. */
  resetMs: number;
  pollIntervalMs: number;
  onStateChange?: (state: BreakerState) => void;
  now?: () => number;
}

export interface ProducerCircuit {
  poll(signal: AbortSignal): Promise<PollResult>;
  state(): BreakerState;
  shutdown(): void;
}

/** How long one poll may take: it must end before the next tick, with a little room to spare. */
export function pollBudgetMs(pollIntervalMs: number): number {
  return pollIntervalMs - Math.min(100, Math.ceil(pollIntervalMs / 10));
}

class PollFailedError extends Error {
  constructor(readonly result: RetriedResult) {
    super(result.ok ? 'ok' : result.reason);
  }
}

/**
 * The producer call behind an opossum circuit breaker. opossum trips on an error percentage in a
 * rolling window; we want "N failed polls in a row", so its own trip is switched off (a rate above
 * 100 % never happens) and we open it ourselves. opossum still does the rest: rejecting calls while
 * open, the reset timer, letting exactly one probe through when half-open, reopening if it fails.
 */
export function createProducerCircuit({
  call,
  failureThreshold,
  resetMs,
  pollIntervalMs,
  onStateChange = () => {},
  now = () => performance.now(),
}: ProducerCircuitOptions): ProducerCircuit {
  // Polls happen on ticks only, so half-opening one interval early makes the probe the last tick
  // within resetMs of the poll that opened the breaker (for resetMs a multiple of the interval:
  // exactly resetMs later), instead of the first tick after it.
  const resetTimeout = Math.max(1, resetMs - pollIntervalMs);
  const breaker = new CircuitBreaker(
    async (budget: PollBudget) => {
      const result = await call(budget);
      if (!result.ok) throw new PollFailedError(result);
      return result;
    },
    {
      timeout: false, // the poll budget is the deadline
      resetTimeout,
      errorThresholdPercentage: 100,
      // We keep no use for opossum's rolling statistics: one bucket, no percentiles, no snapshot
      // timer, so it costs one small object and one unref'd timer a minute.
      rollingCountTimeout: 60_000,
      rollingCountBuckets: 1,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    },
  );

  let consecutiveFailures = 0;
  let pollStartedAt = now();
  let nextProbeAt = 0;

  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed');
  const nextProbeInMs = () => Math.max(0, Math.round(nextProbeAt - now()));

  breaker.on('open', () => {
    // The first tick after the half-open moment, on the grid of the poll that just failed.
    const halfOpenAt = now() + resetTimeout;
    nextProbeAt = pollStartedAt + Math.ceil((halfOpenAt - pollStartedAt) / pollIntervalMs) * pollIntervalMs;
    onStateChange('open');
  });
  breaker.on('halfOpen', () => onStateChange('half_open'));
  breaker.on('close', () => onStateChange('closed'));

  return {
    async poll(signal) {
      pollStartedAt = now();
      const probe = breaker.halfOpen;
      const budget: PollBudget = {
        signal,
        deadlineAt: pollStartedAt + pollBudgetMs(pollIntervalMs),
        // One request tells whether the producer is back; retrying would hammer one that is not.
        ...(probe ? { maxAttempts: 1 } : {}),
      };
      try {
        const result = await breaker.fire(budget);
        consecutiveFailures = 0;
        return { ...result, probe, breaker: state() };
      } catch (error) {
        if (error instanceof PollFailedError) {
          consecutiveFailures++;
          if (breaker.closed && consecutiveFailures >= failureThreshold) breaker.open();
          const after = state();
          return {
            ...error.result,
            probe,
            breaker: after,
            ...(after === 'open' ? { nextProbeInMs: nextProbeInMs() } : {}),
          };
        }
        if ((error as { code?: unknown }).code === 'EOPENBREAKER') {
          return {
            ok: false,
            kind: 'breaker_open',
            reason: 'circuit breaker is open',
            ms: 0,
            attempts: 0,
            nextProbeInMs: nextProbeInMs(),
          };
        }
        throw error;
      }
    },
    state,
    shutdown: () => breaker.shutdown(),
  };
}
