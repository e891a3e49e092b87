import type { Logger } from '@fogpair/shared';
import type { FailureKind } from './fetch-number';

export interface Failure {
  kind: FailureKind;
  reason: string;
}

/** 10, 20, 50, 100, 200, 500, …: a repeated failure is summarised less and less often. */
export function isSummaryPoint(attempts: number): boolean {
  if (attempts < 10) return false;
  const magnitude = 10 ** Math.floor(Math.log10(attempts));
  const lead = attempts / magnitude;
  return lead === 1 || lead === 2 || lead === 5;
}

export interface FailureReporter {
  failure(failure: Failure): void;
  success(): void;
}

/**
 * Says a failure once, then summarises it while it repeats, and says when the producer is back:
 * a producer that is down for an hour costs a dozen lines, not a thousand.
 */
export function createFailureReporter(logger: Logger, now: () => number = Date.now): FailureReporter {
  let streak: { kind: FailureKind; reason: string; attempts: number; since: number } | undefined;
  let failedPolls = 0;
  let outageStartedAt = 0;

  return {
    failure({ kind, reason }) {
      if (failedPolls === 0) outageStartedAt = now();
      failedPolls++;
      if (streak && streak.kind === kind && streak.reason === reason) {
        streak.attempts++;
        if (isSummaryPoint(streak.attempts)) {
          const seconds = Math.round((now() - streak.since) / 1000);
          logger.warn(`Still failing after ${streak.attempts} attempts (${seconds} s): ${reason}`, {
            kind,
            attempts: streak.attempts,
          });
        }
        return;
      }
      streak = { kind, reason, attempts: 1, since: now() };
      logger.warn(`Poll failed: ${reason}`, { kind });
    },

    success() {
      if (failedPolls > 0) {
        const seconds = Math.round((now() - outageStartedAt) / 1000);
        logger.info(`Producer is back after ${seconds} s (${failedPolls} failed polls)`, {
          failedPolls,
          seconds,
        });
      }
      streak = undefined;
      failedPolls = 0;
    },
  };
}
