import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhenResult } from 'cockatiel';
import type { IBackoff, IHalfOpenAfterBackoffContext } from 'cockatiel';
import type { BreakerState, PollResult, RetriedResult } from './poll-result';
import type { PollBudget } from './retrying-fetch';

export interface ProducerCircuitOptions {
  /** One poll: its attempts and retries, within the budget. */
  call: (budget: PollBudget) => Promise<RetriedResult>;
  /** Consecutive failed polls that open the breaker. */
  failureThreshold: number;
  /** The probe goes out this long after the start of the poll that opened the breaker; whole intervals. */
  probeAfterMs: number;
  pollIntervalMs: number;
  /** How long one poll may take, retries included. */
  pollBudgetMs: number;
  onStateChange?: (state: BreakerState) => void;
}

export interface ProducerCircuit {
  poll(signal: AbortSignal): Promise<PollResult>;
  state(): BreakerState;
}

const STATE_NAMES: Readonly<Record<CircuitState, BreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  // Held open by hand; this consumer never does.
  [CircuitState.Isolated]: 'open',
};

/**
 * The producer call behind cockatiel's consecutive-failure breaker: a poll that fails (after its
 * retries) counts one failure; `failureThreshold` of them in a row open the breaker. While it is
 * open, polls are not sent; the first poll tick `probeAfterMs` after the poll that opened it is
 * let through as the probe, with a single attempt; its result closes the breaker or opens it again.
 *
 * cockatiel measures the open period from the moment the breaker opens, which falls somewhere in
 * the failing poll; the half-open moment is put half an interval before the probe's tick, so that
 * timers firing a little early or late never move the probe to another tick.
 */
export function createProducerCircuit({
  call,
  failureThreshold,
  probeAfterMs,
  pollIntervalMs,
  pollBudgetMs,
  onStateChange = () => {},
}: ProducerCircuitOptions): ProducerCircuit {
  // cockatiel's clock.
  const now = () => Date.now();
  let pollStartedAt = now();
  let nextProbeAt = 0;
  let probing = false;

  // Asked once each time the breaker opens, at the end of the poll that opened it.
  const untilProbe = (): IBackoff<IHalfOpenAfterBackoffContext> => {
    nextProbeAt = pollStartedAt + probeAfterMs;
    return { duration: Math.max(0, nextProbeAt - pollIntervalMs / 2 - now()), next: untilProbe };
  };

  const breaker = circuitBreaker(
    handleWhenResult((result) => !(result as RetriedResult).ok),
    { breaker: new ConsecutiveBreaker(failureThreshold), halfOpenAfter: { next: untilProbe } },
  );
  breaker.onStateChange((state) => onStateChange(STATE_NAMES[state]));
  // Emitted just before the probe is sent.
  breaker.onHalfOpen(() => (probing = true));

  const state = () => STATE_NAMES[breaker.state];
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
        const after = state();
        return {
          ...result,
          probe: probing,
          breaker: after,
          ...(after === 'open' ? { nextProbeInMs: nextProbeInMs() } : {}),
        };
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
    state,
  };
}
