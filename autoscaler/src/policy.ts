/**
 * The scaling policy: what replica count a service should have, from its load and its recent past.
 * Pure: samples, observations and the time come in, a decision and the new memory go out. Modelled on
 * Kubernetes' Horizontal Pod Autoscaler (replica_calculator.go, horizontal.go); the rules, in order,
 * are listed in docs/autoscaling.md ("Decision rules") and tested in autoscaler/test/policy.test.ts.
 */

export type SignalName = 'rps' | 'cpu';

/** A Prometheus answer: a number, or why there is none (Prometheus down, no samples, NaN, …). */
export type Sample = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

export interface SignalReading {
  readonly signal: SignalName;
  /** Wanted amount per ready replica (req/s, or CPU cores). */
  readonly target: number;
  /** The service's total (sum over its replicas). */
  readonly total: Sample;
}

/** What the Docker API says about the service now. */
export interface ServiceObservation {
  /** Replicas in the service's spec: what Swarm is asked to run. */
  readonly current: number;
  /** Tasks running (and healthy, when the image has a health check): the capacity that serves. */
  readonly ready: number;
  /** Tasks on their way to running: not capacity yet. */
  readonly starting: number;
  /** How many replicas the eligible nodes can hold; Infinity without max_replicas_per_node. */
  readonly placeable: number;
  /** The service's rolling update or rollback in progress, if any. */
  readonly updating?: string | undefined;
}

export interface PolicySettings {
  readonly min: number;
  readonly max: number;
  /** ±band around 1 of observed/target inside which the count stays, e.g. 0.1. */
  readonly tolerance: number;
  /** One scale-up adds at most max(current, scaleUpMaxStep) replicas. */
  readonly scaleUpMaxStep: number;
  readonly scaleDownWindowMs: number;
}

export interface PolicyInput {
  readonly now: number;
  readonly observation: ServiceObservation;
  readonly signals: readonly SignalReading[];
  /** Fewer scraped targets are up than replicas are ready: the totals may be too low. */
  readonly partialData?: boolean;
  readonly settings: PolicySettings;
}

export interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

/** What the policy remembers about one service between evaluations. */
export interface PolicyMemory {
  /** This evaluation's and the previous recommendations, newest last, no older than the window. */
  readonly window: readonly Recommendation[];
  /** The spec replica count last seen or set by the autoscaler; another value means a person scaled. */
  readonly expected?: number | undefined;
}

export const EMPTY_MEMORY: PolicyMemory = { window: [] };

export type Direction = 'up' | 'down' | 'none';

export const REASONS = [
  'load',
  'bounds',
  'placement',
  'tolerance',
  'stabilising',
  'no_data',
  'partial_data',
  'updating',
  'no_ready_replicas',
  'at_limit',
] as const;
export type Reason = (typeof REASONS)[number];

export interface SignalEvidence {
  readonly signal: SignalName;
  readonly target: number;
  /** Absent when the signal had no data. */
  readonly perReplica?: number;
  readonly wanted?: number;
  readonly missing?: string;
}

export interface Decision {
  readonly from: number;
  readonly to: number;
  readonly direction: Direction;
  readonly reason: Reason;
  /** This evaluation's recommendation, within [min, max] and placeable; the window holds it. */
  readonly recommendation: number;
  /** What the load alone asks for, before any bound. */
  readonly wanted?: number;
  /** The bound that kept the recommendation below what the load asks for. */
  readonly limitedBy?: 'max' | 'placeable';
  /** Set when the spec changed since the last evaluation without the autoscaler. */
  readonly manual?: { readonly from: number; readonly to: number };
  readonly evidence: readonly SignalEvidence[];
  /** Why, in words and numbers: `412 req/s per replica, target 150 (tolerance 10 %)`. */
  readonly explanation: string;
}

/** A little below 1e-9 above a whole number still counts as that number (floating point noise). */
const EPSILON = 1e-9;

export function upStepLimit(current: number, scaleUpMaxStep: number): number {
  return Math.max(2 * current, current + scaleUpMaxStep);
}

/** The highest replica count the settings and the cluster allow; never below min. */
export function upperBound(settings: Pick<PolicySettings, 'min' | 'max'>, placeable: number): number {
  return Math.max(settings.min, Math.min(settings.max, placeable));
}

export function decide(input: PolicyInput, memory: PolicyMemory): { decision: Decision; memory: PolicyMemory } {
  const { now, observation, settings } = input;
  const { current } = observation;
  const windowStart = now - settings.scaleDownWindowMs;
  const manual =
    memory.expected !== undefined && memory.expected !== current ? { from: memory.expected, to: current } : undefined;
  // First sight (autoscaler started) or a person scaled: the count as it is now stands for one window,
  // so neither a restart nor a hand-made scale-up is undone before the window has seen the load.
  const past: Recommendation[] =
    memory.expected === undefined || manual
      ? [{ at: now, replicas: current }]
      : memory.window.filter((entry) => entry.at > windowStart);
  // One entry per evaluation: with a seed of this same moment, the higher of the two.
  const remember = (replicas: number): PolicyMemory => {
    const last = past.at(-1);
    const window =
      last?.at === now
        ? [...past.slice(0, -1), { at: now, replicas: Math.max(last.replicas, replicas) }]
        : [...past, { at: now, replicas }];
    return { window, expected: current };
  };
  const tolerancePercent = `tolerance ${formatNumber(settings.tolerance * 100)} %`;
  const common = { from: current, ...(manual && { manual }) };

  const hold = (reason: Reason, explanation: string, evidence: readonly SignalEvidence[] = []) => ({
    decision: {
      ...common,
      to: current,
      direction: 'none' as const,
      reason,
      recommendation: current,
      evidence,
      explanation,
    },
    memory: remember(current),
  });

  if (observation.updating) {
    return hold('updating', `the service is in a rolling ${observation.updating}; no change until it ends`);
  }

  const upper = upperBound(settings, observation.placeable);
  if (current < settings.min || current > settings.max) {
    const to = current < settings.min ? settings.min : settings.max;
    return {
      decision: {
        ...common,
        to,
        direction: to > current ? 'up' : 'down',
        reason: 'bounds',
        recommendation: to,
        evidence: [],
        explanation:
          to > current
            ? `below the minimum of ${settings.min} replicas`
            : `above the maximum of ${settings.max} replicas`,
      },
      memory: { window: [{ at: now, replicas: to }], expected: current },
    };
  }

  const evidence: SignalEvidence[] = input.signals.map((reading) => {
    if (!reading.total.ok) return { signal: reading.signal, target: reading.target, missing: reading.total.reason };
    if (observation.ready === 0) return { signal: reading.signal, target: reading.target };
    const perReplica = reading.total.value / observation.ready;
    const ratio = perReplica / reading.target;
    // desired = ceil(ready × observed / target), which equals ceil(total / target); inside the band, no change.
    let wanted =
      Math.abs(ratio - 1) <= settings.tolerance + EPSILON ? current : Math.ceil(observation.ready * ratio - EPSILON);
    // Replicas still starting will take their share of the load: a signal above target never shrinks
    // the count, and one below target never grows it (as the HPA, which treats them as idle).
    if (ratio > 1 + settings.tolerance + EPSILON) wanted = Math.max(wanted, current);
    if (ratio < 1 - settings.tolerance - EPSILON) wanted = Math.min(wanted, current);
    return { signal: reading.signal, target: reading.target, perReplica, wanted };
  });
  const available = evidence.filter((item) => item.wanted !== undefined);
  const missing = evidence.filter((item) => item.missing !== undefined);
  const numbers = describeEvidence(evidence, tolerancePercent);

  if (observation.ready === 0) {
    const why =
      observation.starting > 0 ? `no replica is ready yet (${observation.starting} starting)` : 'no replica is running';
    return hold('no_ready_replicas', why, evidence);
  }
  if (available.length === 0) {
    return hold(
      'no_data',
      `no data: ${missing.map((item) => `${item.signal}: ${item.missing ?? ''}`).join('; ')}`,
      evidence,
    );
  }

  // With two signals, the one that asks for more replicas wins.
  const wanted = Math.max(...available.map((item) => item.wanted ?? 0));
  let recommendation = Math.min(Math.max(wanted, settings.min), upper);
  const limitedBy =
    wanted > upper ? (observation.placeable < settings.max ? ('placeable' as const) : ('max' as const)) : undefined;
  // Never down on missing or partial data: a target that is gone looks like less load.
  let downBlocked: Reason | undefined;
  if (recommendation < current && missing.length > 0) downBlocked = 'no_data';
  else if (recommendation < current && input.partialData) downBlocked = 'partial_data';
  if (downBlocked) recommendation = current;

  const nextMemory = remember(recommendation);
  const base = { ...common, recommendation, wanted, ...(limitedBy && { limitedBy }), evidence };
  const limitText = limitedBy
    ? `; the load asks for ${wanted}, ${limitedBy === 'max' ? `the maximum is ${settings.max}` : `the nodes can place ${observation.placeable}`}`
    : '';

  if (recommendation > current) {
    const to = Math.min(recommendation, upStepLimit(current, settings.scaleUpMaxStep));
    const stepText = to < recommendation ? `; ${to} first (at most ×2 or +${settings.scaleUpMaxStep} per step)` : '';
    return {
      decision: { ...base, to, direction: 'up', reason: 'load', explanation: `${numbers}${limitText}${stepText}` },
      memory: nextMemory,
    };
  }

  if (recommendation < current) {
    const stabilised = Math.max(...nextMemory.window.map((entry) => entry.replicas));
    const to = Math.min(current, stabilised);
    const reason: Reason = limitedBy === 'placeable' && wanted >= current ? 'placement' : 'load';
    if (to < current) {
      const windowText =
        settings.scaleDownWindowMs > 0
          ? `, the highest recommendation for ${formatDuration(settings.scaleDownWindowMs)}`
          : '';
      return {
        decision: {
          ...base,
          to,
          direction: 'down',
          reason,
          explanation: `${numbers}${limitText}; ${to}${windowText}`,
        },
        memory: nextMemory,
      };
    }
    return {
      decision: {
        ...base,
        to: current,
        direction: 'none',
        reason: 'stabilising',
        explanation: `${numbers}${limitText}; ${recommendation} would do, but ${stabilised} was recommended within the last ${formatDuration(settings.scaleDownWindowMs)}`,
      },
      memory: nextMemory,
    };
  }

  const reason: Reason = downBlocked ?? (limitedBy ? 'at_limit' : 'tolerance');
  const holdText =
    downBlocked === 'no_data'
      ? `; not scaling down while ${missing.map((item) => item.signal).join(', ')} has no data`
      : downBlocked === 'partial_data'
        ? '; not scaling down while Prometheus scrapes fewer replicas than are ready'
        : '';
  return {
    decision: { ...base, to: current, direction: 'none', reason, explanation: `${numbers}${limitText}${holdText}` },
    memory: nextMemory,
  };
}

const UNITS: Record<SignalName, { perReplica: (value: number) => string; target: (value: number) => string }> = {
  rps: { perReplica: (value) => `${formatNumber(value)} req/s per replica`, target: (value) => formatNumber(value) },
  cpu: {
    perReplica: (value) => `${formatNumber(value, 2)} CPU per replica`,
    target: (value) => formatNumber(value, 2),
  },
};

/** `412 req/s per replica, target 150; 0.20 CPU per replica, target 0.5 (tolerance 10 %)`, the deciding signal first. */
function describeEvidence(evidence: readonly SignalEvidence[], tolerancePercent: string): string {
  const sorted = [...evidence].sort((a, b) => (b.wanted ?? -1) - (a.wanted ?? -1));
  const parts = sorted.map((item) => {
    const unit = UNITS[item.signal];
    if (item.perReplica === undefined) return `${item.signal}: ${item.missing ?? 'no ready replica'}`;
    return `${unit.perReplica(item.perReplica)}, target ${unit.target(item.target)}`;
  });
  return `${parts.join('; ')} (${tolerancePercent})`;
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
