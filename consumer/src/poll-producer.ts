import type { Logger } from '@fogpair/shared';
import type { FailureReporter } from './failure-reporter';
import type { ConsumerMetrics } from './metrics';
import { outcomeOf } from './metrics';
import type { PollStats } from './poll-stats';
import type { PollResult } from './producer-circuit';

export interface PollProducerOptions {
  fetch: (signal: AbortSignal) => Promise<PollResult>;
  stats: PollStats;
  reporter: FailureReporter;
  metrics: ConsumerMetrics;
  logger: Logger;
  /** Aborted on shutdown. */
  signal: AbortSignal;
  now?: () => number;
}

/** One poll: fetch, count and log. A poll cut short by shutdown is neither counted nor logged. */
export async function pollProducer({
  fetch,
  stats,
  reporter,
  metrics,
  logger,
  signal,
  now = Date.now,
}: PollProducerOptions): Promise<PollResult | undefined> {
  const result = await fetch(signal);
  if (signal.aborted) return undefined;
  if (result.ok) {
    reporter.success();
    stats.recordSuccess(result.number, result.instance, now());
    metrics.poll('ok', result.ms / 1000);
    metrics.answer(result.number, result.instance);
    // The message is the tutorial's line, exactly, so that existing greps keep working; who served it
    // and how fast are fields.
    logger.info(`Received number: ${result.number}`, {
      number: result.number,
      producer: result.instance,
      ms: result.ms,
      ...(result.attempts > 1 ? { attempts: result.attempts } : {}),
    });
  } else if (result.kind === 'breaker_open') {
    stats.recordBreakerRejection();
    reporter.rejected();
    metrics.poll('breaker_open');
  } else {
    stats.recordFailure(result.kind);
    metrics.poll(outcomeOf(result.kind), result.ms / 1000);
    if (result.probe) reporter.probeFailed(result, result.nextProbeInMs ?? 0);
    else if (result.breaker === 'open') reporter.breakerOpened(result, result.nextProbeInMs ?? 0);
    else reporter.failure(result);
    logger.debug(`Poll failed: ${result.reason}`, { kind: result.kind, ms: result.ms, attempts: result.attempts });
  }
  return result;
}
