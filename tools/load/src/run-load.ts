import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { LoadOptions } from './args';
import { TargetRecorder, errorKind, summarize } from './summary';
import type { LoadSummary } from './summary';

export interface LoadProgress {
  elapsedSeconds: number;
  responses: number;
  errors: number;
}

export interface RunLoadHooks {
  /** Called about once a second while the run goes on. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborting ends the run early; the summary covers what was sent until then. */
  signal?: AbortSignal;
}

/** `total` shared out over `parts` as evenly as whole numbers allow (the first ones get the remainder). */
export function shareOut(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * Loads every URL at once with autocannon, one instance per URL (so each URL gets its own share of
 * connections, rate and request cap, and its own figures), and stops all of them at the duration, at
 * the request cap, or when `signal` aborts, whichever comes first.
 */
export async function runLoad(options: LoadOptions, hooks: RunLoadHooks = {}): Promise<LoadSummary> {
  const { urls } = options;
  const connections = shareOut(options.connections, urls.length);
  const rates = options.rate === undefined ? undefined : shareOut(options.rate, urls.length);
  const caps = shareOut(options.maxRequests, urls.length);
  const recorders = urls.map((url) => new TargetRecorder(url));
  let answered = 0;
  // autocannon notices a stop only on its next one-second tick: what arrives after the end is not counted.
  let open = true;
  let closedAt = Infinity;

  const startedAt = performance.now();
  const instances = urls.map((url, i) => {
    const recorder = recorders[i] as TargetRecorder;
    const instance = autocannon({
      url,
      connections: connections[i] as number,
      duration: options.durationSeconds,
      ...(rates ? { overallRate: rates[i] as number } : {}),
      maxOverallRequests: caps[i] as number,
      timeout: options.timeoutSeconds,
      ...(options.reconnectEvery === undefined ? {} : { reconnectRate: options.reconnectEvery }),
    });
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (!open) return;
      recorder.response(statusCode, responseTimeMs);
      answered++;
    });
    instance.on('reqError', (error) => {
      if (open) recorder.error(errorKind(error));
    });
    return instance;
  });

  const stopAll = () => {
    if (open) closedAt = performance.now();
    open = false;
    instances.forEach((instance) => instance.stop());
  };
  hooks.signal?.addEventListener('abort', stopAll, { once: true });
  if (hooks.signal?.aborted) stopAll();
  const progress = setInterval(() => {
    const errors = recorders.reduce((sum, recorder) => sum + recorder.errorCount, 0);
    hooks.onProgress?.({ elapsedSeconds: (performance.now() - startedAt) / 1000, responses: answered, errors });
  }, 1000);
  const end = setTimeout(stopAll, options.durationSeconds * 1000);
  try {
    await Promise.all(instances);
  } finally {
    clearInterval(progress);
    clearTimeout(end);
    hooks.signal?.removeEventListener('abort', stopAll);
  }
  const elapsedSeconds = (Math.min(closedAt, performance.now()) - startedAt) / 1000;
  const sent = answered + recorders.reduce((sum, recorder) => sum + recorder.errorCount, 0);
  const endedBy: LoadSummary['endedBy'] =
    hooks.signal?.aborted === true ? 'interrupted' : sent >= options.maxRequests ? 'requests' : 'duration';
  return summarize(recorders, elapsedSeconds, endedBy);
}
