import { collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * prom-client's default gauges that end in `_total`, which Prometheus reserves for counters
 * (`promtool check metrics` fails on them). Each has a twin without the suffix, labelled by type,
 * whose sum is the same number: `sum(nodejs_active_handles)`.
 */
const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Node's process and runtime metrics (CPU, memory, event loop, GC) on `registry`, all valid names. */
export function collectRuntimeMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(name);
}

/** What serves `GET /metrics`: a prom-client Registry fits. */
export interface MetricsExposition {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** How old a /metrics answer may be. Prometheus scrapes every 15 s; 1 s is fresh to it. */
export const METRICS_MAX_AGE_MS = 1000;

/**
 * Renders `registry` at most once per `maxAgeMs`, and once for all requests that arrive while a
 * rendering is under way: a flood of `GET /metrics` then costs little more than sending the text,
 * instead of collecting every metric again per request and stalling everything else.
 */
export function cachedExposition(
  registry: MetricsExposition,
  maxAgeMs: number = METRICS_MAX_AGE_MS,
  now: () => number = () => performance.now(),
): MetricsExposition {
  let cached: { text: Promise<string>; at: number } | undefined;
  return {
    contentType: registry.contentType,
    metrics() {
      const at = now();
      if (cached === undefined || at - cached.at >= maxAgeMs) {
        const text = registry.metrics();
        const entry = { text, at };
        cached = entry;
        // A failed rendering is not kept: the next request tries again.
        text.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.text;
    },
  };
}
