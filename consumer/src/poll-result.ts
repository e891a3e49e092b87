/**
 * What one poll of the producer can come to. Every module that handles a result imports it from here;
 * a new failure kind is added to FAILURE_KINDS, and the compiler then points at every switch and table
 * that has to say what it means (see `assertNever`).
 */

export const FAILURE_KINDS = [
  'refused',
  'dns',
  'timeout',
  'reset',
  'network',
  'http_error',
  'not_json',
  'invalid',
  'too_large',
] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface Answer {
  ok: true;
  number: number;
  /** Who served it: the producer's `x-served-by`, or its address when it sends none. */
  instance: string;
  ms: number;
}

export interface Failure {
  ok: false;
  kind: FailureKind;
  /** One sentence a newcomer understands, e.g. "connection refused by producer:5000 (…)". */
  reason: string;
  ms: number;
  /** The HTTP status, for `http_error`. */
  status?: number;
}

/** One HTTP attempt. */
export type FetchResult = Answer | Failure;

/** One poll's attempts, retries included; `ms` is the whole poll's time, delays included. */
export type RetriedResult = FetchResult & { attempts: number };

/** The breaker between polls: half-open lasts only while the probe is in flight. */
export type BreakerState = 'closed' | 'open';

/** A poll that went out: `probe` when it was the breaker's one trial, `breaker` the state after it. */
export type SentPollResult = RetriedResult & { probe: boolean } & (
    { breaker: 'closed' } | { breaker: 'open'; nextProbeInMs: number }
  );

/** A poll the open breaker did not send. */
export interface BreakerOpenResult {
  ok: false;
  kind: 'breaker_open';
  reason: string;
  ms: 0;
  attempts: 0;
  nextProbeInMs: number;
}

export type PollResult = SentPollResult | BreakerOpenResult;

/**
 * The `default` of a switch that handles every case: it only compiles while none is left out, so a
 * new kind cannot be skipped silently.
 */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
