import type { PollHistory } from '../poll-history';
import type { BreakerState } from '../poll-result';
import { judgeUniformity } from './uniformity';
import type { Uniformity } from './uniformity';

/** What the page shows: one event's data. */
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
  breaker: { state: BreakerState };
  /** The last failures, newest first. */
  errors: { at: string; kind: string; reason: string }[];
}

export interface DashboardSource {
  /** Shown on the page; pass it redacted. */
  producerUrl: string;
  pollIntervalMs: number;
}

/** The page's view of what the consumer has seen. */
export function dashboardSnapshot(history: PollHistory, source: DashboardSource): DashboardSnapshot {
  const counts = history.histogram.counts();
  const latest = history.latest;
  const polls = history.polls;
  return {
    source: { producerUrl: source.producerUrl, pollIntervalMs: source.pollIntervalMs },
    startedAt: iso(history.startedAt),
    latest: latest && { ...latest, at: iso(latest.at) },
    recent: history.recent(),
    histogram: { min: history.histogram.min, max: history.histogram.max, counts, total: history.histogram.total },
    uniformity: judgeUniformity(counts),
    instances: history
      .instanceCounts()
      .map(({ instance, answers, lastSeenAt }) => ({ instance, answers, lastSeenAt: iso(lastSeenAt) })),
    forgottenInstanceAnswers: history.forgottenInstanceAnswers,
    polls: { total: polls.sent, ok: polls.ok, failed: polls.failed },
    breaker: { state: history.breaker },
    errors: history.errors().map((error) => ({ ...error, at: iso(error.at) })),
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
