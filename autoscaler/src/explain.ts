import type { Decision, PolicySettings, ServiceObservation, SignalEvidence, SignalName } from './policy';

/**
 * A decision in words and numbers, for the log line and /status:
 * `412 req/s per replica, target 150 (tolerance 10 %); 3 first (at most ×2 or +4 per step)`.
 */
export function explainDecision(decision: Decision, observation: ServiceObservation, settings: PolicySettings): string {
  const { reason, direction } = decision;
  if (reason === 'updating')
    return `the service is in a rolling ${observation.updating ?? 'update'}; no change until it ends`;
  if (reason === 'bounds') {
    return direction === 'up'
      ? `below the minimum of ${settings.min} replicas`
      : `above the maximum of ${settings.max} replicas`;
  }
  if (reason === 'no_ready_replicas') {
    return observation.starting > 0
      ? `no replica is ready yet (${observation.starting} starting)`
      : 'no replica is running';
  }
  if (decision.wanted === undefined) return `no data: ${describeMissing(decision.evidence)}`;

  const numbers = describeEvidence(decision.evidence, settings.tolerance);
  const limit = decision.limitedBy
    ? `; the load asks for ${decision.wanted}, ${decision.limitedBy === 'max' ? `the maximum is ${settings.max}` : `the nodes can place ${observation.placeable}`}`
    : '';
  const window = formatDuration(settings.scaleDownWindowMs);
  if (direction === 'up') {
    const step =
      decision.to < decision.recommendation
        ? `; ${decision.to} first (at most ×2 or +${settings.scaleUpMaxStep} per step)`
        : '';
    return `${numbers}${limit}${step}`;
  }
  if (direction === 'down') {
    const why = settings.scaleDownWindowMs > 0 ? `, the highest recommendation for ${window}` : '';
    return `${numbers}${limit}; ${decision.to}${why}`;
  }
  if (reason === 'stabilising') {
    const highest = decision.stabilised ?? decision.from;
    return `${numbers}${limit}; ${decision.recommendation} would do, but ${highest} was recommended within the last ${window}`;
  }
  if (reason === 'no_data') {
    const signals = decision.evidence.filter((item) => item.missing !== undefined).map((item) => item.signal);
    return `${numbers}${limit}; not scaling down while ${signals.join(', ')} has no data`;
  }
  if (reason === 'partial_data') {
    return `${numbers}${limit}; not scaling down while Prometheus scrapes fewer replicas than are ready`;
  }
  return `${numbers}${limit}`;
}

/** `rps: Prometheus at http://prometheus:9090 refused the connection; cpu: no samples (…)` */
export function describeMissing(evidence: readonly SignalEvidence[]): string {
  return evidence
    .filter((item) => item.missing !== undefined)
    .map((item) => `${item.signal}: ${item.missing ?? ''}`)
    .join('; ');
}

const UNITS: Record<SignalName, { perReplica: (value: number) => string; target: (value: number) => string }> = {
  rps: { perReplica: (value) => `${formatNumber(value)} req/s per replica`, target: (value) => formatNumber(value) },
  cpu: {
    perReplica: (value) => `${formatNumber(value, 2)} CPU per replica`,
    target: (value) => formatNumber(value, 2),
  },
};

/** `412 req/s per replica, target 150; 0.20 CPU per replica, target 0.5 (tolerance 10 %)`, the deciding signal first. */
function describeEvidence(evidence: readonly SignalEvidence[], tolerance: number): string {
  const sorted = [...evidence].sort((a, b) => (b.wanted ?? -1) - (a.wanted ?? -1));
  const parts = sorted.map((item) => {
    const unit = UNITS[item.signal];
    if (item.perReplica === undefined) return `${item.signal}: ${item.missing ?? 'no ready replica'}`;
    return `${unit.perReplica(item.perReplica)}, target ${unit.target(item.target)}`;
  });
  return `${parts.join('; ')} (tolerance ${formatNumber(tolerance * 100)} %)`;
}

/** Whole numbers above 10, otherwise up to `digits` decimals without trailing zeros. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 10) return String(Math.round(value));
  return String(Number(value.toFixed(digits)));
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${formatNumber(ms / 1000)} s`;
}
