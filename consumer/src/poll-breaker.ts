import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhenResult } from 'cockatiel';
import type { IBackoff, IHalfOpenAfterBackoffContext } from 'cockatiel';
import type { PollResult, RetriedResult } from './poll-result';
import type { PollBudget } from './retrying-fetch';

export interface PollBreakerOptions {
  /** One poll: its attempts and retries, within the budget. */
  call: (budget: PollBudget) => Promise<RetriedResult>;
  /** Consecutive failed polls that open the breaker. */
  failureThreshold: number;
  /** The probe goes out this long after the start of the poll that opened the breaker: on a tick. */
  probeAfterMs: number;
  /** The breaker lets a poll through from this long after the start of the poll that opened it. */
  halfOpenAfterMs: number;
  /** How long one poll may take, retries included. */
  pollBudgetMs: number;
  /** The clock the poll ticks are on (monotonic); every time the breaker measures is on it. */
  now: () => number;
}

export interface PollBreaker {
  /** One poll through the breaker; the result says the breaker's state after it. */
  poll(signal: AbortSignal): Promise<PollResult>;
}

/**
 * cockatiel asks `Date.now() - openedAt < duration` on every call while the breaker is open. The
 * answer comes from the injected clock instead, as a duration no reading of the wall clock can reach
 * or fall below: a wall clock set forward or back (a Pi without a real-time clock sets it at boot)
 * never moves the probe.
 */
const OPEN_PERIOD_OVER = -Infinity;
const OPEN_PERIOD_NOT_OVER = Infinity;

/**
 * Every poll behind cockatiel's consecutive-failure breaker: a poll that fails (after its retries)
 * counts one failure; `failureThreshold` of them in a row open the breaker. While it is open, polls
 * are not sent; the first poll `halfOpenAfterMs` after the start of the poll that opened it is let
 * through as the probe, with a single attempt; its result closes the breaker or opens it again.
 */
export function createPollBreaker({
  call,
  failureThreshold,
  probeAfterMs,
  halfOpenAfterMs,
  pollBudgetMs,
  now,
}: PollBreakerOptions): PollBreaker {
  let pollStartedAt = now();
  let nextProbeAt = 0;
  let probing = false;

  // Asked each time the breaker opens, at the end of the poll that opened it.
  const untilProbe = (): IBackoff<IHalfOpenAfterBackoffContext> => {
    nextProbeAt = pollStartedAt + probeAfterMs;
    const halfOpenAt = pollStartedAt + halfOpenAfterMs;
    return {
      get duration() {
        return now() >= halfOpenAt ? OPEN_PERIOD_OVER : OPEN_PERIOD_NOT_OVER;
      },
      next: untilProbe,
    };
  };

  const breaker = circuitBreaker(
    handleWhenResult((result) => !(result as RetriedResult).ok),
    { breaker: new ConsecutiveBreaker(failureThreshold), halfOpenAfter: { next: untilProbe } },
  );
  // Emitted just before the probe is sent.
  breaker.onHalfOpen(() => (probing = true));

  const nextProbeInMs = () => Math.max(0, Math.round(nextProbeAt - now()));

  return {
    async poll(signal) {
      pollStartedAt = now();
      probing = false;
      try {
        const result = await breaker.execute(
          () =>
            call({
              signal,
              budgetMs: pollBudgetMs,
              // One request tells whether the producer is back; retrying would hammer one that is not.
              ...(probing ? { maxAttempts: 1 } : {}),
            }),
          signal,
        );
        // Half-open lasts only while the probe is in flight: after a poll the breaker is open or closed.
        if (breaker.state === CircuitState.Open) {
          return { ...result, probe: probing, breaker: 'open', nextProbeInMs: nextProbeInMs() };
        }
        return { ...result, probe: probing, breaker: 'closed' };
      } catch (error) {
        if (!(error instanceof BrokenCircuitError)) throw error;
        return {
          ok: false,
          kind: 'breaker_open',
          reason: 'circuit breaker is open',
          ms: 0,
          attempts: 0,
          nextProbeInMs: nextProbeInMs(),
        };
      }
    },
  };
}
