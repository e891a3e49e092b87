/** The deploy labels that opt a service in and set its bounds and targets (docs/autoscaling.md). */
export const LABEL = {
  enable: 'fogpair.autoscale.enable',
  min: 'fogpair.autoscale.min',
  max: 'fogpair.autoscale.max',
  targetRps: 'fogpair.autoscale.target-rps',
  targetCpu: 'fogpair.autoscale.target-cpu',
  requestsMetric: 'fogpair.autoscale.requests-metric',
} as const;

export const DEFAULT_REQUESTS_METRIC = 'fogpair_producer_requests_total';

/** What the labels of one service ask for. */
export interface ScalingTargets {
  readonly min: number;
  readonly max: number;
  /** Wanted requests/s per ready replica. */
  readonly targetRps?: number;
  /** Wanted CPU cores per ready replica. */
  readonly targetCpu?: number;
  readonly requestsMetric: string;
}

export interface LabelProblem {
  readonly label: string;
  readonly value: string | undefined;
  readonly expected: string;
}

export type LabelReading = { ok: true; targets: ScalingTargets } | { ok: false; problem: LabelProblem };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const WHOLE = /^\d+$/;
const DECIMAL = /^\d*\.?\d+$/;

export function isOptedIn(labels: Readonly<Record<string, string>>): boolean {
  return labels[LABEL.enable]?.trim().toLowerCase() === 'true';
}

/** Reads the scaling labels; the first problem found is returned in words a user can act on. */
export function readScalingLabels(labels: Readonly<Record<string, string>>): LabelReading {
  const fail = (label: string, expected: string): LabelReading => ({
    ok: false,
    problem: { label, value: labels[label], expected },
  });
  const text = (label: string) => {
    const raw = labels[label]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const minText = text(LABEL.min);
  const min = minText === undefined ? 1 : WHOLE.test(minText) ? Number(minText) : NaN;
  if (!(min >= 1)) return fail(LABEL.min, 'must be a whole number >= 1');

  const maxText = text(LABEL.max);
  if (maxText === undefined) return fail(LABEL.max, 'must be set: the highest replica count');
  const max = WHOLE.test(maxText) ? Number(maxText) : NaN;
  if (!(max >= min)) return fail(LABEL.max, `must be a whole number >= ${LABEL.min} (${min})`);

  const target = (label: string, unit: string): number | undefined | LabelReading => {
    const raw = text(label);
    if (raw === undefined) return undefined;
    const value = DECIMAL.test(raw) ? Number(raw) : NaN;
    return value > 0 && Number.isFinite(value) ? value : fail(label, `must be a number > 0 (${unit})`);
  };
  const targetRps = target(LABEL.targetRps, 'requests/s per replica');
  if (typeof targetRps === 'object') return targetRps;
  const targetCpu = target(LABEL.targetCpu, 'CPU cores per replica, e.g. 0.5');
  if (typeof targetCpu === 'object') return targetCpu;
  if (targetRps === undefined && targetCpu === undefined) {
    return fail(LABEL.targetRps, `or ${LABEL.targetCpu} must be set: what one replica should carry`);
  }

  const requestsMetric = text(LABEL.requestsMetric) ?? DEFAULT_REQUESTS_METRIC;
  if (!METRIC_NAME.test(requestsMetric)) return fail(LABEL.requestsMetric, 'must be a Prometheus metric name');

  return {
    ok: true,
    targets: {
      min,
      max,
      requestsMetric,
      ...(targetRps !== undefined && { targetRps }),
      ...(targetCpu !== undefined && { targetCpu }),
    },
  };
}

/** "fogpair_web: label fogpair.autoscale.max must be …, got "x"; not autoscaled" */
export function describeLabelProblem(service: string, { label, value, expected }: LabelProblem): string {
  const got = value === undefined ? 'it is not set' : `got ${JSON.stringify(value)}`;
  return `Not autoscaling ${service}: label ${label} ${expected} (${got})`;
}
