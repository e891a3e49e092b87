import type { Logger } from '@fogpair/shared';
import type { FailureKind, PollResult } from './poll-result';

interface Failure {
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

export interface PollReporter {
  /** Logs what a poll's result tells, if anything: one line per event of an outage, one per number. */
  report(result: PollResult): void;
}

/**
 * `Received number: N` for every answer: the tutorial's line, exactly, so that existing greps keep
 * working; who served it and how fast are fields. For failures, one line per event of an outage: the
 * first failure, the breaker opening, a change of cause, a summary at 10, 20, 50, … failed polls, and
 * the recovery. A producer that is down for an hour costs a dozen lines, not a thousand.
 */
export function createPollReporter(logger: Logger, now: () => number = Date.now): PollReporter {
  let streak: { kind: FailureKind; reason: string; attempts: number; since: number } | undefined;
  let failedPolls = 0;
  let missedPolls = 0;
  let outageStartedAt = 0;

  /** Counts a failed poll; true when it repeats the cause of the one before. */
  const count = ({ kind, reason }: Failure): boolean => {
    if (missedPolls === 0) outageStartedAt = now();
    failedPolls++;
    missedPolls++;
    if (streak && streak.kind === kind && streak.reason === reason) {
      streak.attempts++;
      return true;
    }
    streak = { kind, reason, attempts: 1, since: now() };
    return false;
  };

  const summarise = (suffix = '') => {
    if (!streak || !isSummaryPoint(streak.attempts)) return;
    const seconds = Math.round((now() - streak.since) / 1000);
    logger.warn(`Still failing after ${streak.attempts} attempts (${seconds} s): ${streak.reason}${suffix}`, {
      kind: streak.kind,
      attempts: streak.attempts,
    });
  };

  /** A poll failed while the breaker was closed. */
  const failed = (failure: Failure) => {
    if (count(failure)) summarise();
    else logger.warn(`Poll failed: ${failure.reason}`, { kind: failure.kind });
  };

  /** A poll failed and opened the breaker: no requests until the probe. */
  const breakerOpened = (failure: Failure, nextProbeInMs: number) => {
    count(failure);
    logger.warn(
      `Circuit breaker open after ${pluralise(failedPolls, 'failed poll')} (${failure.reason}): ` +
        `no requests until the probe in ${formatSeconds(nextProbeInMs)}`,
      { kind: failure.kind, failedPolls, nextProbeInMs },
    );
  };

  /** The breaker's probe failed: it stays open until the next one. */
  const probeFailed = (failure: Failure, nextProbeInMs: number) => {
    const next = `; next probe in ${formatSeconds(nextProbeInMs)}`;
    if (count(failure)) summarise(next);
    else logger.warn(`Probe failed: ${failure.reason}${next}`, { kind: failure.kind, nextProbeInMs });
  };

  /** A poll was not sent because the breaker is open: counted, never logged. */
  const heldBack = () => {
    if (missedPolls === 0) outageStartedAt = now();
    missedPolls++;
  };

  const answered = () => {
    if (missedPolls > 0) {
      const seconds = Math.round((now() - outageStartedAt) / 1000);
      logger.info(`Producer is back after ${seconds} s (${pluralise(missedPolls, 'poll')} missed)`, {
        missedPolls,
        failedPolls,
        seconds,
      });
    }
    streak = undefined;
    failedPolls = 0;
    missedPolls = 0;
  };

  return {
    report(result) {
      if (result.ok) {
        answered();
        logger.info(`Received number: ${result.number}`, {
          number: result.number,
          producer: result.instance,
          ms: result.ms,
          ...(result.attempts > 1 ? { attempts: result.attempts } : {}),
        });
        return;
      }
      if (result.kind === 'breaker_open') {
        heldBack();
        return;
      }
      if (result.breaker === 'closed') failed(result);
      else if (result.probe) probeFailed(result, result.nextProbeInMs);
      else breakerOpened(result, result.nextProbeInMs);
      logger.debug(`Poll failed: ${result.reason}`, { kind: result.kind, ms: result.ms, attempts: result.attempts });
    },
  };
}

/** "1 failed poll", "2 failed polls". */
function pluralise(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** "0.8 s" for short waits (fast drills), "15 s" for the usual ones. */
export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
