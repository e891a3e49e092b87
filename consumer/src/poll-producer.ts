import type { Logger } from '@fogpair/shared';
import type { FailureReporter } from './failure-reporter';
import type { FetchResult } from './fetch-number';
import type { PollStats } from './poll-stats';

export interface PollProducerOptions {
  fetch: (signal: AbortSignal) => Promise<FetchResult>;
  stats: PollStats;
  reporter: FailureReporter;
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
  logger,
  signal,
  now = Date.now,
}: PollProducerOptions): Promise<FetchResult | undefined> {
  const result = await fetch(signal);
  if (signal.aborted) return undefined;
  if (result.ok) {
    reporter.success();
    stats.recordSuccess(result.number, result.instance, now());
    // The message is the tutorial's line, exactly, so that existing greps keep working; who served it
    // and how fast are fields.
    logger.info(`Received number: ${result.number}`, {
      number: result.number,
      producer: result.instance,
      ms: result.ms,
    });
  } else {
    stats.recordFailure(result.kind);
    reporter.failure(result);
    logger.debug(`Poll failed: ${result.reason}`, { kind: result.kind, ms: result.ms });
  }
  return result;
}
