import { DelegateBackoff, ExponentialBackoff, handleWhenResult, noJitterGenerator, retry } from 'cockatiel';
import type { GeneratorFn, IBackoff, IRetryBackoffContext } from 'cockatiel';
import type { Logger } from '@fogpair/shared';
import { assertNever } from './poll-result';
import type { FetchResult, RetriedResult } from './poll-result';

/** One HTTP attempt with its own deadline; aborted by `signal` on shutdown. */
export type FetchAttempt = (signal: AbortSignal, timeoutMs: number) => Promise<FetchResult>;

export interface RetryingFetchOptions {
  attempt: FetchAttempt;
  /** Attempts per poll, the first one included. */
  maxAttempts: number;
  /** The first retry waits up to this long, the second up to twice as long, … (full jitter). */
  baseDelayMs: number;
  /** Deadline of every attempt: a retry is only made when a whole one still fits in the budget. */
  requestTimeoutMs: number;
  logger: Logger;
  onRetry?: (failure: FetchResult, delayMs: number) => void;
  now?: () => number;
  /** A number in [0, 1), as Math.random; the jitter's source. */
  random?: () => number;
}

export interface PollBudget {
  signal: AbortSignal;
  /** No attempt runs past this long after the poll started, so a poll never reaches the next tick. */
  budgetMs: number;
  /** Overrides the configured attempts, e.g. 1 for a circuit breaker's probe. */
  maxAttempts?: number;
}

/**
 * Failures that another attempt a moment later may not have: the producer restarting (refused,
 * reset), a slow attempt, or a proxy in between saying the backend is not there (502/503/504).
 * An answer that breaks the contract, or any other 4xx, will be the same next time.
 */
export function isTransient(result: FetchResult): boolean {
  if (result.ok) return false;
  switch (result.kind) {
    case 'refused':
    case 'reset':
    case 'timeout':
      return true;
    case 'http_error':
      return result.status === 502 || result.status === 503 || result.status === 504;
    case 'dns':
    case 'network':
    case 'not_json':
    case 'invalid':
    case 'too_large':
      return false;
    default:
      return assertNever(result.kind);
  }
}

/** cockatiel's full jitter (a delay in [0, base · 2^retry)), with the random source passed in. */
function fullJitter(random: () => number): GeneratorFn<number> {
  return (state, options) => {
    const [delay, next] = noJitterGenerator(state, options);
    return [Math.floor(random() * delay), next];
  };
}

/**
 * One poll's worth of attempts: transient failures are retried after an exponential, fully
 * jittered delay (cockatiel), as long as the poll's budget leaves room for a whole attempt, so
 * that every attempt has the same deadline and a failure reads the same each time. Attempts are
 * strictly one after the other.
 */
export function createRetryingFetch({
  attempt,
  maxAttempts,
  baseDelayMs,
  requestTimeoutMs,
  logger,
  onRetry = () => {},
  now = () => performance.now(),
  random = Math.random,
}: RetryingFetchOptions): (budget: PollBudget) => Promise<RetriedResult> {
  const exponential = new ExponentialBackoff({ generator: fullJitter(random), initialDelay: baseDelayMs });

  return async ({ signal, budgetMs, maxAttempts: attemptsThisPoll = maxAttempts }) => {
    const startedAt = now();
    const deadlineAt = startedAt + budgetMs;
    const remaining = () => deadlineAt - now();
    // The budget is per poll, so the policy is too; building one costs a few small objects.
    const policy = retry(
      handleWhenResult((value) => isTransient(value as FetchResult) && remaining() >= requestTimeoutMs),
      {
        maxAttempts: attemptsThisPoll - 1,
        backoff: new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
          const next = previous ? previous.next(context) : exponential.next();
          return { delay: Math.max(0, Math.min(next.duration, remaining() - requestTimeoutMs)), state: next };
        }),
      },
    );
    policy.onRetry((event) => {
      if (!('value' in event)) return;
      const failure = event.value as FetchResult;
      const delayMs = Math.round(event.delay);
      onRetry(failure, delayMs);
      logger.debug(
        `Retrying in ${delayMs} ms (attempt ${event.attempt + 1} of ${attemptsThisPoll}): ${failure.ok ? '' : failure.reason}`,
        { kind: failure.ok ? undefined : failure.kind, delayMs },
      );
    });

    let attempts = 0;
    const result = await policy.execute(({ signal: attemptSignal }) => {
      attempts++;
      return attempt(attemptSignal, Math.max(1, Math.min(requestTimeoutMs, Math.floor(remaining()))));
    }, signal);
    // The whole poll's time, retries and their delays included.
    return { ...result, ms: Math.round(now() - startedAt), attempts };
  };
}
