import { NUMBER_MAX, NUMBER_MIN } from '@fogpair/shared';
import { Histogram } from './histogram';
import { InstanceTally } from './instance-tally';
import type { InstanceCount } from './instance-tally';
import type { BreakerState, FailureKind, PollResult } from './poll-result';
import { RingBuffer } from './ring-buffer';

/** GET /stats. */
export interface PollStatsSnapshot {
  polls: number;
  successes: number;
  failures: number;
  failuresByKind: Partial<Record<FailureKind, number>>;
  skippedTicks: number;
  /** Polls not sent because the circuit breaker was open. */
  breakerRejections: number;
  breaker: { state: BreakerState; opens: number };
  lastNumber: number | null;
  lastSuccessAt: string | null;
  numbers: { count: number; min: number | null; max: number | null; mean: number | null };
  /** The INSTANCE_CAPACITY instances seen most recently. */
  answersByInstance: Record<string, number>;
  /** Answers from instances no longer listed. */
  forgottenInstanceAnswers: number;
}

export interface PollHistoryOptions {
  now?: () => number;
  recentCapacity?: number;
  errorCapacity?: number;
  instanceCapacity?: number;
}

/** Producer instances remembered by name; every Swarm restart brings a new container id. */
export const INSTANCE_CAPACITY = 24;
/** Numbers kept in order, for the dashboard's chart. */
export const RECENT_CAPACITY = 60;
/** Failures kept with their reasons. */
export const ERROR_CAPACITY = 8;
const MAX_REASON_CHARS = 300;

export interface LatestAnswer {
  number: number;
  instance: string;
  ms: number;
  at: number;
}

export interface RecentFailure {
  at: number;
  kind: FailureKind;
  reason: string;
}

/**
 * Everything the consumer has seen, in bounded memory: counters, a 180-bin histogram, and three
 * fixed-size lists (the last numbers, the last failures, the instances seen most recently). It is fed
 * once per poll; /stats, the dashboard and /metrics all read it. A producer inventing a new name on
 * every poll, or a long one, cannot make it grow: only INSTANCE_CAPACITY names are kept, each cut to
 * MAX_INSTANCE_CHARS where it is read (`fetchNumber`).
 */
export class PollHistory {
  readonly startedAt: number;
  readonly histogram = new Histogram(NUMBER_MIN, NUMBER_MAX);
  private readonly now: () => number;
  private readonly recentNumbers: RingBuffer<number>;
  private readonly recentFailures: RingBuffer<RecentFailure>;
  private readonly instances: InstanceTally;
  private readonly failuresByKind = new Map<FailureKind, number>();
  private successes = 0;
  private failures = 0;
  private skippedTicks = 0;
  private breakerRejections = 0;
  private retryCount = 0;
  private breakerState: BreakerState = 'closed';
  private breakerOpens = 0;
  private latestAnswer: LatestAnswer | null = null;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor({
    now = Date.now,
    recentCapacity = RECENT_CAPACITY,
    errorCapacity = ERROR_CAPACITY,
    instanceCapacity = INSTANCE_CAPACITY,
  }: PollHistoryOptions = {}) {
    this.now = now;
    this.startedAt = now();
    this.recentNumbers = new RingBuffer(recentCapacity);
    this.recentFailures = new RingBuffer(errorCapacity);
    this.instances = new InstanceTally(instanceCapacity);
  }

  /** One poll, sent or held back by the breaker; the only way the breaker's state gets here. */
  record(result: PollResult): void {
    const at = this.now();
    if (result.ok) {
      const { instance } = result;
      this.successes++;
      this.latestAnswer = { number: result.number, instance, ms: result.ms, at };
      this.sum += result.number;
      this.min = Math.min(this.min, result.number);
      this.max = Math.max(this.max, result.number);
      this.recentNumbers.push(result.number);
      this.histogram.record(result.number);
      this.instances.record(instance, at);
    } else if (result.kind === 'breaker_open') {
      this.breakerRejections++;
      return;
    } else {
      this.failures++;
      this.failuresByKind.set(result.kind, (this.failuresByKind.get(result.kind) ?? 0) + 1);
      this.recentFailures.push({ at, kind: result.kind, reason: truncate(result.reason, MAX_REASON_CHARS) });
    }
    // A sent poll that leaves the breaker open opened it: the last of a run of failures, or a failed probe.
    if (result.breaker === 'open') this.breakerOpens++;
    this.breakerState = result.breaker;
    this.retryCount += Math.max(0, result.attempts - 1);
  }

  /** A tick that found the previous poll still running, or that the process slept through. */
  recordSkip(): void {
    this.skippedTicks++;
  }

  get polls(): { sent: number; ok: number; failed: number; skipped: number; heldBack: number; retries: number } {
    return {
      sent: this.successes + this.failures,
      ok: this.successes,
      failed: this.failures,
      skipped: this.skippedTicks,
      heldBack: this.breakerRejections,
      retries: this.retryCount,
    };
  }

  /** Failed polls by kind; kinds never seen are left out. */
  failureCounts(): Map<FailureKind, number> {
    return new Map(this.failuresByKind);
  }

  get breaker(): BreakerState {
    return this.breakerState;
  }

  get latest(): LatestAnswer | null {
    return this.latestAnswer && { ...this.latestAnswer };
  }

  /** The last numbers, oldest first. */
  recent(): number[] {
    return this.recentNumbers.toArray();
  }

  /** The last failures, newest first. */
  errors(): RecentFailure[] {
    return this.recentFailures.toArray().reverse();
  }

  /** The instances seen most recently, most answers first. */
  instanceCounts(): InstanceCount[] {
    return this.instances.counts();
  }

  get forgottenInstanceAnswers(): number {
    return this.instances.forgottenAnswers;
  }

  stats(): PollStatsSnapshot {
    const count = this.successes;
    const latest = this.latestAnswer;
    return {
      polls: this.successes + this.failures,
      successes: this.successes,
      failures: this.failures,
      failuresByKind: Object.fromEntries(this.failuresByKind),
      skippedTicks: this.skippedTicks,
      breakerRejections: this.breakerRejections,
      breaker: { state: this.breakerState, opens: this.breakerOpens },
      lastNumber: latest ? latest.number : null,
      lastSuccessAt: latest ? new Date(latest.at).toISOString() : null,
      numbers: {
        count,
        min: count ? this.min : null,
        max: count ? this.max : null,
        mean: count ? Math.round((this.sum / count) * 100) / 100 : null,
      },
      answersByInstance: Object.fromEntries(
        this.instances.counts().map(({ instance, answers }) => [instance, answers]),
      ),
      forgottenInstanceAnswers: this.instances.forgottenAnswers,
    };
  }
}

function truncate(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}
