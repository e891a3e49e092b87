import { NUMBER_MAX, NUMBER_MIN } from '@fogpair/shared';
import { Histogram } from './histogram';
import { InstanceTally } from './instance-tally';
import { RingBuffer } from './ring-buffer';
import { judgeUniformity } from './uniformity';
import type { Uniformity } from './uniformity';

import type { BreakerState } from '../producer-circuit';

export type { BreakerState };

/** What the circuit breaker tells the page; `detail` is one short sentence, e.g. when the next probe is due. */
export interface BreakerStatus {
  state: BreakerState;
  detail?: string;
}

/** One poll's outcome, as the page needs it (a FetchResult fits). */
export type DashboardOutcome =
  { ok: true; number: number; instance: string; ms: number } | { ok: false; kind: string; reason: string };

export interface DashboardSnapshot {
  source: { producerUrl: string; pollIntervalMs: number };
  startedAt: string;
  latest: { number: number; instance: string; ms: number; at: string } | null;
  /** The last numbers received, oldest first. */
  recent: number[];
  histogram: { min: number; max: number; counts: number[]; total: number };
  uniformity: Uniformity;
  instances: { instance: string; answers: number; lastSeenAt: string }[];
  /** Answers from instances no longer listed (the list keeps the most recently seen ones). */
  forgottenInstanceAnswers: number;
  polls: { total: number; ok: number; failed: number };
  /** `n/a` when this build has no breaker. */
  breaker: { state: BreakerState | 'n/a'; detail?: string };
  /** The last failures, newest first. */
  errors: { at: string; kind: string; reason: string }[];
}

export interface DashboardModelOptions {
  /** Shown on the page; pass it redacted. */
  producerUrl: string;
  pollIntervalMs: number;
  /** Read at every snapshot; leave out while there is no breaker. */
  breaker?: () => BreakerStatus;
  now?: () => number;
  recentCapacity?: number;
  errorCapacity?: number;
  instanceCapacity?: number;
}

const MAX_REASON_CHARS = 300;

/** Everything the dashboard shows, in bounded memory: fixed-size buffers and counters only. */
export class DashboardModel {
  private readonly histogram = new Histogram(NUMBER_MIN, NUMBER_MAX);
  private readonly recent: RingBuffer<number>;
  private readonly errors: RingBuffer<{ at: number; kind: string; reason: string }>;
  private readonly instances: InstanceTally;
  private readonly startedAt: number;
  private readonly now: () => number;
  private latest: { number: number; instance: string; ms: number; at: number } | null = null;
  private ok = 0;
  private failed = 0;

  constructor(private readonly options: DashboardModelOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.recent = new RingBuffer(options.recentCapacity ?? 60);
    this.errors = new RingBuffer(options.errorCapacity ?? 8);
    this.instances = new InstanceTally(options.instanceCapacity ?? 24);
  }

  record(outcome: DashboardOutcome): void {
    const at = this.now();
    if (outcome.ok) {
      this.ok++;
      this.latest = { number: outcome.number, instance: outcome.instance, ms: outcome.ms, at };
      this.recent.push(outcome.number);
      this.histogram.record(outcome.number);
      this.instances.record(outcome.instance, at);
    } else {
      this.failed++;
      this.errors.push({ at, kind: outcome.kind.slice(0, 40), reason: truncate(outcome.reason, MAX_REASON_CHARS) });
    }
  }

  snapshot(): DashboardSnapshot {
    const counts = this.histogram.counts();
    const breaker = this.options.breaker?.();
    return {
      source: { producerUrl: this.options.producerUrl, pollIntervalMs: this.options.pollIntervalMs },
      startedAt: iso(this.startedAt),
      latest: this.latest && { ...this.latest, at: iso(this.latest.at) },
      recent: this.recent.toArray(),
      histogram: { min: this.histogram.min, max: this.histogram.max, counts, total: this.histogram.total },
      uniformity: judgeUniformity(counts),
      instances: this.instances
        .counts()
        .map(({ instance, answers, lastSeenAt }) => ({ instance, answers, lastSeenAt: iso(lastSeenAt) })),
      forgottenInstanceAnswers: this.instances.forgottenAnswers,
      polls: { total: this.ok + this.failed, ok: this.ok, failed: this.failed },
      breaker: breaker
        ? { state: breaker.state, ...(breaker.detail === undefined ? {} : { detail: breaker.detail }) }
        : { state: 'n/a' },
      errors: this.errors
        .toArray()
        .reverse()
        .map((error) => ({ ...error, at: iso(error.at) })),
    };
  }
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function truncate(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}
