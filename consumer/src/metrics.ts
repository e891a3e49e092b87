import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { FailureKind } from './fetch-number';
import type { BreakerState } from './producer-circuit';

export const POLL_OUTCOMES = ['ok', 'timeout', 'refused', 'http_error', 'invalid', 'breaker_open', 'skipped'] as const;
export type PollOutcome = (typeof POLL_OUTCOMES)[number];

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];

/** The consumer's failure kinds, folded onto the few outcomes a dashboard plots. */
const OUTCOME_OF_KIND: Readonly<Record<FailureKind | 'breaker_open', PollOutcome>> = {
  timeout: 'timeout',
  // No usable connection to the producer, whatever the reason.
  refused: 'refused',
  dns: 'refused',
  reset: 'refused',
  network: 'refused',
  http_error: 'http_error',
  // An answer came, but it is not one the contract allows.
  not_json: 'invalid',
  invalid: 'invalid',
  too_large: 'invalid',
  breaker_open: 'breaker_open',
};

export function outcomeOf(kind: FailureKind | 'breaker_open'): PollOutcome {
  return OUTCOME_OF_KIND[kind];
}

export interface ConsumerMetrics {
  /** A finished poll; `seconds` for polls that sent a request. */
  poll(outcome: PollOutcome, seconds?: number): void;
  answer(value: number, instance: string): void;
  retry(): void;
  breakerState(state: BreakerState): void;
}

export interface ConsumerMetricsOptions {
  /** Replica ids become label values; past this many, answers count under "other". */
  maxInstances?: number;
}

/** The consumer's metrics, registered on `registry` (never the global one, so tests stay apart). */
export function createConsumerMetrics(
  registry: Registry,
  { maxInstances = 100 }: ConsumerMetricsOptions = {},
): ConsumerMetrics {
  const registers = [registry];
  const polls = new Counter({
    name: 'fogpair_consumer_polls_total',
    help: 'Poll ticks by outcome (ok, timeout, refused, http_error, invalid, breaker_open, skipped)',
    labelNames: ['outcome'],
    registers,
  });
  const pollDuration = new Histogram({
    name: 'fogpair_consumer_poll_duration_seconds',
    help: 'Time from the start of a poll to its answer or failure, retries included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const retries = new Counter({
    name: 'fogpair_consumer_retries_total',
    help: 'Requests sent again after a transient failure within the same poll',
    registers,
  });
  const breaker = new Gauge({
    name: 'fogpair_consumer_breaker_state',
    help: 'Circuit breaker state: 1 for the current state (closed, open, half_open), 0 for the others',
    labelNames: ['state'],
    registers,
  });
  const lastNumber = new Gauge({
    name: 'fogpair_consumer_last_number',
    help: 'The last number received from the producer',
    registers,
  });
  const answers = new Counter({
    name: 'fogpair_consumer_answers_total',
    help: 'Valid answers by the producer instance that served them (x-served-by)',
    labelNames: ['instance'],
    registers,
  });

  // Every outcome from the start, so that rate() sees the first failure too.
  for (const outcome of POLL_OUTCOMES) polls.inc({ outcome }, 0);
  const setBreakerState = (current: BreakerState) => {
    for (const state of BREAKER_STATES) breaker.set({ state }, state === current ? 1 : 0);
  };
  setBreakerState('closed');
  const instances = new Set<string>();

  return {
    poll(outcome, seconds) {
      polls.inc({ outcome });
      if (seconds !== undefined) pollDuration.observe(seconds);
    },
    answer(value, instance) {
      lastNumber.set(value);
      if (!instances.has(instance) && instances.size < maxInstances) instances.add(instance);
      answers.inc({ instance: instances.has(instance) ? instance : 'other' });
    },
    retry: () => retries.inc(),
    breakerState: setBreakerState,
  };
}
