import type { ScalingTargets } from './labels';
import type { Sample, SignalReading } from './policy';

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 */
  baseUrl: string;
  timeoutMs: number;
  /** The platform's fetch by default; tests pass their own. */
  fetch?: typeof fetch;
  /** Called with the duration of every query, answered or not. */
  onQuery?: (seconds: number) => void;
}

export interface PrometheusClient {
  /** One instant query whose answer is a single number (e.g. `sum(rate(...))`). */
  scalar(query: string, signal?: AbortSignal): Promise<Sample>;
}

interface VectorAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { value?: [number, string] }[] | [number, string] };
}

/**
 * Prometheus's HTTP API (`/api/v1/query`) through the platform's fetch. Every way of not getting a
 * usable number (unreachable, timeout, HTTP error, error status, empty result, NaN or ±Inf) is a
 * Sample with `ok: false` and the reason in words: the policy treats them all as "no data".
 */
export function createPrometheusClient({
  baseUrl,
  timeoutMs,
  fetch: fetchImpl = fetch,
  onQuery,
}: PrometheusClientOptions): PrometheusClient {
  const endpoint = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);

  return {
    async scalar(query, signal) {
      const startedAt = performance.now();
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        const response = await fetchImpl(endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          body: new URLSearchParams({ query }).toString(),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        const text = await response.text();
        let answer: VectorAnswer | undefined;
        try {
          answer = JSON.parse(text) as VectorAnswer;
        } catch {
          answer = undefined;
        }
        if (!response.ok) {
          const detail = answer?.error ? `: ${answer.error}` : '';
          return { ok: false, reason: `Prometheus answered HTTP ${response.status}${detail}` };
        }
        if (answer?.status !== 'success') {
          return {
            ok: false,
            reason: `Prometheus answered ${answer ? `status ${String(answer.status)}` : 'with a body that is not JSON'}`,
          };
        }
        return sampleOf(answer.data);
      } catch (error) {
        return { ok: false, reason: describeFetchError(error, baseUrl, timeoutMs) };
      } finally {
        onQuery?.((performance.now() - startedAt) / 1000);
      }
    },
  };
}

function sampleOf(data: VectorAnswer['data']): Sample {
  let raw: string | undefined;
  if (data?.resultType === 'scalar' && Array.isArray(data.result) && typeof data.result[1] === 'string') {
    raw = data.result[1];
  } else if (data?.resultType === 'vector' && Array.isArray(data.result)) {
    const series = data.result as { value?: [number, string] }[];
    if (series.length === 0) return { ok: false, reason: 'no samples (no target scraped in the rate window)' };
    if (series.length > 1) return { ok: false, reason: `${series.length} series where one was expected` };
    raw = series[0]?.value?.[1];
  } else {
    return { ok: false, reason: `unexpected result type ${String(data?.resultType)}` };
  }
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value)) return { ok: false, reason: `the value is ${String(raw)}` };
  return { ok: true, value };
}

function describeFetchError(error: unknown, baseUrl: string, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `Prometheus at ${baseUrl} did not answer within ${timeoutMs} ms`;
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'the query was cancelled';
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return `Prometheus at ${baseUrl} refused the connection`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the name of ${baseUrl} does not resolve (${code})`;
  return `cannot reach Prometheus at ${baseUrl}: ${code ?? (error instanceof Error ? error.message : String(error))}`;
}

/** A PromQL string literal (double-quoted, backslash and quote escaped). */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

export function requestsPerSecondQuery(metric: string, service: string, rateWindow: string): string {
  return `sum(rate(${metric}{swarm_service=${promqlString(service)}}[${rateWindow}]))`;
}

export function cpuQuery(service: string, rateWindow: string): string {
  return `sum(rate(process_cpu_seconds_total{swarm_service=${promqlString(service)}}[${rateWindow}]))`;
}

/** How many of the service's scrape targets answered their last scrape. */
export function targetsUpQuery(service: string): string {
  return `sum(up{swarm_service=${promqlString(service)}})`;
}

/** What the policy reads from Prometheus for one service: each configured signal's total, and the targets up. */
export async function readLoad(
  prometheus: PrometheusClient,
  service: string,
  targets: ScalingTargets,
  rateWindow: string,
  signal?: AbortSignal,
): Promise<{ signals: SignalReading[]; scraped: Sample }> {
  const reading = async (name: SignalReading['signal'], target: number, query: string): Promise<SignalReading> => ({
    signal: name,
    target,
    total: await prometheus.scalar(query, signal),
  });
  const queries: Promise<SignalReading>[] = [];
  if (targets.targetRps !== undefined) {
    queries.push(
      reading('rps', targets.targetRps, requestsPerSecondQuery(targets.requestsMetric, service, rateWindow)),
    );
  }
  if (targets.targetCpu !== undefined) {
    queries.push(reading('cpu', targets.targetCpu, cpuQuery(service, rateWindow)));
  }
  const [signals, scraped] = await Promise.all([
    Promise.all(queries),
    prometheus.scalar(targetsUpQuery(service), signal),
  ]);
  return { signals, scraped };
}
