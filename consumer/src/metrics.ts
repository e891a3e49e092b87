import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { PollHistory } from './poll-history';
import { assertNever } from './poll-result';
import type { FailureKind } from './poll-result';

export const POLL_OUTCOMES = ['ok', 'timeout', 'refused', 'http_error', 'invalid', 'breaker_open', 'skipped'] as const;
export type PollOutcome = (typeof POLL_OUTCOMES)[number];

/** The consumer's failure kinds, folded onto the few outcomes a dashboard plots. */
export function outcomeOf(kind: FailureKind | 'breaker_open'): PollOutcome {
  switch (kind) {
    case 'timeout':
      return 'timeout';
    // No usable connection to the producer, whatever the reason.
    case 'refused':
    case 'dns':
    case 'reset':
    case 'network':
      return 'refused';
    case 'http_error':
      return 'http_error';
    // An answer came, but it is not one the contract allows.
    case 'not_json':
    case 'invalid':
    case 'too_large':
      return 'invalid';
    case 'breaker_open':
      return 'breaker_open';
    default:
      return assertNever(kind);
  }
}

/**
 * The history holds the breaker's state after each poll, closed or open. `half_open` (the probe in
 * flight) is never one of them; its series stays, at 0, for the queries written against it.
 */
const GAUGE_BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

export interface ConsumerMetrics {
  /** The time a sent poll took, retries included; everything else is read from the history at scrape time. */
  observePollDuration(seconds: number): void;
}

/**
 * The consumer's metrics, registered on `registry` (never the global one, so tests stay apart). Counts
 * are read from `history` when Prometheus scrapes, so they cannot disagree with /stats or the dashboard;
 * answers per instance are those of the instances the history keeps (the most recently seen ones).
 */
export function createConsumerMetrics(registry: Registry, history: PollHistory): ConsumerMetrics {
  const registers = [registry];
  new Counter({
    name: 'fogpair_consumer_polls_total',
    help: 'Poll ticks by outcome (ok, timeout, refused, http_error, invalid, breaker_open, skipped)',
    labelNames: ['outcome'],
    registers,
    collect() {
      const polls = history.polls;
      const counts = new Map<PollOutcome, number>(POLL_OUTCOMES.map((outcome) => [outcome, 0]));
      counts.set('ok', polls.ok);
      counts.set('breaker_open', polls.heldBack);
      counts.set('skipped', polls.skipped);
      for (const [kind, count] of history.failureCounts()) {
        const outcome = outcomeOf(kind);
        counts.set(outcome, (counts.get(outcome) ?? 0) + count);
      }
      this.reset();
      // Every outcome from the start, so that rate() sees the first failure too.
      for (const [outcome, count] of counts) this.inc({ outcome }, count);
    },
  });
  const pollDuration = new Histogram({
    name: 'fogpair_consumer_poll_duration_seconds',
    help: 'Time from the start of a poll to its answer or failure, retries included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  new Counter({
    name: 'fogpair_consumer_retries_total',
    help: 'Requests sent again after a transient failure within the same poll',
    registers,
    collect() {
      this.reset();
      this.inc(history.polls.retries);
    },
  });
  new Gauge({
    name: 'fogpair_consumer_breaker_state',
    help: 'Circuit breaker state: 1 for the current state (closed, open, half_open), 0 for the others',
    labelNames: ['state'],
    registers,
    collect() {
      for (const state of GAUGE_BREAKER_STATES) this.set({ state }, state === history.breaker ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fogpair_consumer_last_number',
    help: 'The last number received from the producer',
    registers,
    collect() {
      const latest = history.latest;
      if (latest) this.set(latest.number);
    },
  });
  new Counter({
    name: 'fogpair_consumer_answers_total',
    help: 'Valid answers by the producer instance that served them (x-served-by), for the instances seen most recently',
    labelNames: ['instance'],
    registers,
    collect() {
      this.reset();
      for (const { instance, answers } of history.instanceCounts()) this.inc({ instance }, answers);
    },
  });

  return {
    observePollDuration: (seconds) => pollDuration.observe(seconds),
  };
}
