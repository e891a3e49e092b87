import type { FailureKind } from './fetch-number';
import type { BreakerState } from './producer-circuit';

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
  answersByInstance: Record<string, number>;
}

/** What the consumer has seen so far; pure bookkeeping, read by /stats. */
export class PollStats {
  private polls = 0;
  private successes = 0;
  private readonly failuresByKind = new Map<FailureKind, number>();
  private skippedTicks = 0;
  private breakerRejections = 0;
  private breakerState: BreakerState = 'closed';
  private breakerOpens = 0;
  private lastNumber: number | null = null;
  private lastSuccessAt: number | null = null;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly answersByInstance = new Map<string, number>();

  recordSuccess(value: number, instance: string, at: number): void {
    this.polls++;
    this.successes++;
    this.lastNumber = value;
    this.lastSuccessAt = at;
    this.sum += value;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    this.answersByInstance.set(instance, (this.answersByInstance.get(instance) ?? 0) + 1);
  }

  recordFailure(kind: FailureKind): void {
    this.polls++;
    this.failuresByKind.set(kind, (this.failuresByKind.get(kind) ?? 0) + 1);
  }

  recordSkip(): void {
    this.skippedTicks++;
  }

  recordBreakerRejection(): void {
    this.breakerRejections++;
  }

  recordBreakerState(state: BreakerState): void {
    if (state === 'open' && this.breakerState !== 'open') this.breakerOpens++;
    this.breakerState = state;
  }

  snapshot(): PollStatsSnapshot {
    const count = this.successes;
    return {
      polls: this.polls,
      successes: this.successes,
      failures: this.polls - this.successes,
      failuresByKind: Object.fromEntries(this.failuresByKind),
      skippedTicks: this.skippedTicks,
      breakerRejections: this.breakerRejections,
      breaker: { state: this.breakerState, opens: this.breakerOpens },
      lastNumber: this.lastNumber,
      lastSuccessAt: this.lastSuccessAt === null ? null : new Date(this.lastSuccessAt).toISOString(),
      numbers: {
        count,
        min: count ? this.min : null,
        max: count ? this.max : null,
        mean: count ? Math.round((this.sum / count) * 100) / 100 : null,
      },
      answersByInstance: Object.fromEntries(this.answersByInstance),
    };
  }
}
