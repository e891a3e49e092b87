/**
 * The scaling policy: what replica count a service should have, from its load and its recent past.
 * Two pure steps, split as Kubernetes' Horizontal Pod Autoscaler splits them: recommend() is its
 * replica calculator (replica_calculator.go: the replicas each signal asks for), normalise() its
 * normalizeDesiredReplicas (horizontal.go: the window, the step limit and the bounds). Both return
 * numbers and reasons; explain.ts puts them into words. The rules, in order, are listed in
 * docs/autoscaling.md ("Decision rules") and tested in autoscaler/test/policy.test.ts.
 */
import { normalise } from './normalise';
import { recommend } from './recommend';

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

/** One evaluation's recommendation, as the scale-down window keeps it. */
export interface WindowEntry {
  readonly at: number;
  readonly replicas: number;
}

/** What the policy remembers about one service between evaluations. */
export interface PolicyMemory {
  /** This evaluation's and the previous recommendations, newest last, no older than the window. */
  readonly window: readonly WindowEntry[];
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

/** What one signal says: its value per ready replica and the replicas it asks for, or why it cannot say. */
export interface SignalEvidence {
  readonly signal: SignalName;
  readonly target: number;
  /** Absent when the signal had no data, or no replica is ready. */
  readonly perReplica?: number;
  readonly wanted?: number;
  /** Why the signal has no data. */
  readonly missing?: string;
}

/** The recommend step's answer: what the load asks for, before the memory, the step limit and the bounds. */
export interface Recommendation {
  /** Per signal, in the order the labels configure them. */
  readonly signals: readonly SignalEvidence[];
  /** The most replicas any signal asks for; undefined when none can say (no data, no ready replica). */
  readonly wanted?: number;
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
  /** The highest recommendation in the window: what a scale-down goes to, or what holds it back. */
  readonly stabilised?: number;
  /** Set when the spec changed since the last evaluation without the autoscaler. */
  readonly manual?: { readonly from: number; readonly to: number };
  /** The signals the decision rests on; empty when it needed none (a rolling update, a count out of bounds). */
  readonly evidence: readonly SignalEvidence[];
}

/** Both steps: the signals' recommendation, then the count to set. */
export function decide(
  input: PolicyInput,
  memory: PolicyMemory,
): { decision: Decision; memory: PolicyMemory; recommendation: Recommendation } {
  const recommendation = recommend(input.signals, input.observation, input.settings.tolerance);
  return { ...normalise({ ...input, recommendation }, memory), recommendation };
}

/** The update to `replicas` went through: that count is the autoscaler's own, not a person's. */
export function rememberScale(memory: PolicyMemory, replicas: number): PolicyMemory {
  return { ...memory, expected: replicas };
}
