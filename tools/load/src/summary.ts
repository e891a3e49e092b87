/** What one load run saw, per target URL: latencies, status codes, errors by kind. Pure bookkeeping. */
export class TargetRecorder {
  readonly latenciesMs: number[] = [];
  readonly statusCodes = new Map<number, number>();
  readonly errors = new Map<string, number>();

  constructor(readonly url: string) {}

  response(statusCode: number, latencyMs: number): void {
    this.latenciesMs.push(latencyMs);
    this.statusCodes.set(statusCode, (this.statusCodes.get(statusCode) ?? 0) + 1);
  }

  error(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  get responses(): number {
    return this.latenciesMs.length;
  }

  get errorCount(): number {
    let total = 0;
    for (const count of this.errors.values()) total += count;
    return total;
  }
}

export interface LatencySummary {
  /** Milliseconds, nearest-rank percentiles of every answered request (any status). */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface TargetSummary {
  readonly url: string;
  /** Requests that got an answer (any status code). */
  readonly responses: number;
  /** Requests that failed without an answer: refused, reset, timed out… */
  readonly errors: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary | null;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly errorsByKind: Readonly<Record<string, number>>;
}

export interface LoadSummary extends TargetSummary {
  readonly url: string;
  readonly durationSeconds: number;
  /** Why the run ended: the duration ran out, the request cap was reached, or it was interrupted. */
  readonly endedBy: 'duration' | 'requests' | 'interrupted';
  readonly targets: readonly TargetSummary[];
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p % at or below it. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1] as number;
}

export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary | null {
  if (latenciesMs.length === 0) return null;
  const sorted = Float64Array.from(latenciesMs).sort();
  const values = Array.from(sorted);
  let sum = 0;
  for (const value of values) sum += value;
  return {
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values[values.length - 1] as number,
    mean: sum / values.length,
  };
}

function summarizeTarget(url: string, recorders: readonly TargetRecorder[], seconds: number): TargetSummary {
  const latencies = recorders.flatMap((recorder) => recorder.latenciesMs);
  const statusCodes: Record<string, number> = {};
  const errorsByKind: Record<string, number> = {};
  let errors = 0;
  for (const recorder of recorders) {
    for (const [code, count] of recorder.statusCodes) statusCodes[code] = (statusCodes[code] ?? 0) + count;
    for (const [kind, count] of recorder.errors) {
      errorsByKind[kind] = (errorsByKind[kind] ?? 0) + count;
      errors += count;
    }
  }
  return {
    url,
    responses: latencies.length,
    errors,
    requestsPerSecond: seconds > 0 ? latencies.length / seconds : 0,
    latencyMs: summarizeLatencies(latencies),
    statusCodes,
    errorsByKind,
  };
}

export function summarize(
  recorders: readonly TargetRecorder[],
  durationSeconds: number,
  endedBy: LoadSummary['endedBy'],
): LoadSummary {
  const all = summarizeTarget(recorders.map((recorder) => recorder.url).join(' '), recorders, durationSeconds);
  return {
    ...all,
    durationSeconds,
    endedBy,
    targets: recorders.map((recorder) => summarizeTarget(recorder.url, [recorder], durationSeconds)),
  };
}

/** Why a request got no answer, in words: "ECONNREFUSED (connection refused)". */
export function errorKind(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code !== 'string') return /timed out/i.test(message) ? 'timeout (no answer in time)' : message;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused: nothing listens there',
    ECONNRESET: 'connection reset by the server',
    EPIPE: 'connection closed while sending',
    ETIMEDOUT: 'connect timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOTFOUND: 'DNS: no such host',
    EAI_AGAIN: 'DNS lookup failed (temporary)',
  };
  return words[code] ? `${code} (${words[code]})` : code;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(4)} secs`;

/** The summary as `hey` prints it. */
export function formatSummary(summary: LoadSummary): string {
  const lines = ['', 'Summary:'];
  lines.push(`  Total:        ${summary.durationSeconds.toFixed(4)} secs (ended by ${summary.endedBy})`);
  lines.push(`  Requests:     ${summary.responses} answered, ${summary.errors} failed`);
  lines.push(`  Requests/sec: ${summary.requestsPerSecond.toFixed(1)}`);
  const latency = summary.latencyMs;
  if (latency) {
    lines.push(`  Slowest:      ${seconds(latency.max)}`, `  Average:      ${seconds(latency.mean)}`);
    lines.push('', 'Latency distribution:');
    lines.push(
      `  50% in ${seconds(latency.p50)}`,
      `  90% in ${seconds(latency.p90)}`,
      `  99% in ${seconds(latency.p99)}`,
    );
    lines.push(`  max in ${seconds(latency.max)}`);
  }
  lines.push('', 'Status code distribution:');
  const codes = Object.entries(summary.statusCodes).sort(([a], [b]) => Number(a) - Number(b));
  if (codes.length === 0) lines.push('  (no answers)');
  for (const [code, count] of codes) lines.push(`  [${code}] ${count} responses`);
  const errors = Object.entries(summary.errorsByKind).sort(([, a], [, b]) => b - a);
  if (errors.length > 0) {
    lines.push('', 'Error distribution:');
    for (const [kind, count] of errors) lines.push(`  [${count}] ${kind}`);
  }
  if (summary.targets.length > 1) {
    lines.push('', 'Per URL:');
    for (const target of summary.targets) {
      const p99 = target.latencyMs ? `p99 ${seconds(target.latencyMs.p99)}` : 'no answers';
      lines.push(
        `  ${target.url}  ${target.responses} answered (${target.requestsPerSecond.toFixed(1)}/s), ${target.errors} failed, ${p99}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One line while the run goes on: "[  5/30 s]  1234 answered  246.8/s  0 failed". */
export function formatProgress(
  elapsedSeconds: number,
  durationSeconds: number,
  responses: number,
  errors: number,
): string {
  const width = String(durationSeconds).length;
  const rate = elapsedSeconds > 0 ? responses / elapsedSeconds : 0;
  return `[${String(Math.min(Math.floor(elapsedSeconds), durationSeconds)).padStart(width)}/${durationSeconds} s]  ${responses} answered  ${rate.toFixed(1)}/s  ${errors} failed`;
}
