import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { cachedExposition } from '@fogpair/shared';
import type { MetricsExposition } from '@fogpair/shared';

/** Every route label there is: a fixed set, so that random paths cannot grow the label space. */
export const PRODUCER_ROUTES = ['/number', '/healthz', '/readyz', '/metrics', 'unmatched'] as const;
export type ProducerRoute = (typeof PRODUCER_ROUTES)[number];

export interface ProducerMetrics {
  readonly registry: Registry;
  /** What `GET /metrics` answers: the registry, rendered at most once per `maxAgeMs`. */
  readonly exposition: MetricsExposition;
  request(route: ProducerRoute, status: number, seconds: number): void;
  numberServed(): void;
}

export function isProducerRoute(path: unknown): path is ProducerRoute {
  return typeof path === 'string' && (PRODUCER_ROUTES as readonly string[]).includes(path);
}

export interface ProducerMetricsOptions {
  /** How old a rendering of /metrics may be; 0 renders every time. */
  maxAgeMs?: number;
}

/**
 * The producer's request metrics on `registry` (never the global one, so tests stay apart). Label
 * objects are made once per route and status, so a request allocates nothing for its labels.
 */
export function createProducerMetrics(
  registry: Registry,
  { maxAgeMs = 0 }: ProducerMetricsOptions = {},
): ProducerMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: 'fogpair_producer_requests_total',
    help: 'HTTP requests by route ("unmatched" for unknown paths) and status code',
    labelNames: ['route', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'fogpair_producer_request_duration_seconds',
    help: 'Time from the request to the last byte of the response, by route',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const numbers = new Counter({
    name: 'fogpair_producer_numbers_served_total',
    help: 'Numbers handed out by GET /number',
    registers,
  });

  const routeLabels = new Map(PRODUCER_ROUTES.map((route) => [route, { route }]));
  const requestLabels = new Map(PRODUCER_ROUTES.map((route) => [route, new Map<number, object>()]));
  const labelsOf = (route: ProducerRoute, status: number) => {
    const byStatus = requestLabels.get(route);
    let labels = byStatus?.get(status);
    if (!labels) {
      labels = { route, status: String(status) };
      byStatus?.set(status, labels);
    }
    return labels;
  };
  for (const route of ['/number', '/healthz', '/readyz'] as const) requests.inc(labelsOf(route, 200), 0);

  return {
    registry,
    exposition: maxAgeMs > 0 ? cachedExposition(registry, maxAgeMs) : registry,
    request(route, status, seconds) {
      requests.inc(labelsOf(route, status));
      duration.observe(routeLabels.get(route) ?? { route }, seconds);
    },
    numberServed: () => numbers.inc(),
  };
}
