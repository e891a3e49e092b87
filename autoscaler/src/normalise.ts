import type {
  Decision,
  PolicyMemory,
  PolicySettings,
  Reason,
  Recommendation,
  ServiceObservation,
  SignalEvidence,
  WindowEntry,
} from './policy';

export interface NormaliseInput {
  readonly now: number;
  readonly observation: ServiceObservation;
  readonly recommendation: Recommendation;
  /** Fewer scraped targets are up than replicas are ready: the totals may be too low. */
  readonly partialData?: boolean;
  readonly settings: PolicySettings;
}

type Normalised = { decision: Decision; memory: PolicyMemory };

/** One scale-up adds at most max(current, scaleUpMaxStep): doubles, or adds the step, whichever is more. */
export function upStepLimit(current: number, scaleUpMaxStep: number): number {
  return Math.max(2 * current, current + scaleUpMaxStep);
}

/** The highest replica count the settings and the cluster allow; never below min. */
export function upperBound(settings: Pick<PolicySettings, 'min' | 'max'>, placeable: number): number {
  return Math.max(settings.min, Math.min(settings.max, placeable));
}

/**
 * From what the load asks for to the count to set, as the HPA's normalizeDesiredReplicas: the starting
 * point (first sight, a hand scale), the holds (a rolling update, out of bounds, no ready replica, no
 * data), the bounds, never down on doubtful data, then the step limit up and the window down. Every
 * evaluation leaves one entry in the window.
 */
export function normalise(
  { now, observation, recommendation, partialData = false, settings }: NormaliseInput,
  memory: PolicyMemory,
): Normalised {
  const { current } = observation;
  const { manual, past } = startingPoint(memory, current, now, settings.scaleDownWindowMs);
  const remember = (replicas: number): PolicyMemory => ({ window: withEntry(past, now, replicas), expected: current });
  const common = { from: current, ...(manual && { manual }) };
  const hold = (reason: Reason, evidence: readonly SignalEvidence[] = []): Normalised => ({
    decision: { ...common, to: current, direction: 'none', reason, recommendation: current, evidence },
    memory: remember(current),
  });

  if (observation.updating) return hold('updating');
  if (current < settings.min || current > settings.max) {
    const to = current < settings.min ? settings.min : settings.max;
    const direction = to > current ? 'up' : 'down';
    return {
      decision: { ...common, to, direction, reason: 'bounds', recommendation: to, evidence: [] },
      memory: { window: [{ at: now, replicas: to }], expected: current },
    };
  }
  const evidence = recommendation.signals;
  if (observation.ready === 0) return hold('no_ready_replicas', evidence);
  const { wanted } = recommendation;
  if (wanted === undefined) return hold('no_data', evidence);

  const upper = upperBound(settings, observation.placeable);
  const limitedBy =
    wanted > upper ? (observation.placeable < settings.max ? ('placeable' as const) : ('max' as const)) : undefined;
  let replicas = Math.min(Math.max(wanted, settings.min), upper);
  // Never down on missing or partial data: a target that is gone looks like less load.
  let downBlocked: Reason | undefined;
  if (replicas < current && evidence.some((item) => item.missing !== undefined)) downBlocked = 'no_data';
  else if (replicas < current && partialData) downBlocked = 'partial_data';
  if (downBlocked) replicas = current;

  const next = remember(replicas);
  const base = { ...common, recommendation: replicas, wanted, ...(limitedBy && { limitedBy }), evidence };
  if (replicas > current) {
    const to = Math.min(replicas, upStepLimit(current, settings.scaleUpMaxStep));
    return { decision: { ...base, to, direction: 'up', reason: 'load' }, memory: next };
  }
  if (replicas < current) {
    // Down only to the highest recommendation of the window (the HPA's stabilizeRecommendation).
    const stabilised = Math.max(...next.window.map((entry) => entry.replicas));
    const to = Math.min(current, stabilised);
    const reason: Reason =
      to === current ? 'stabilising' : limitedBy === 'placeable' && wanted >= current ? 'placement' : 'load';
    return { decision: { ...base, to, direction: to < current ? 'down' : 'none', reason, stabilised }, memory: next };
  }
  const reason: Reason = downBlocked ?? (limitedBy ? 'at_limit' : 'tolerance');
  return { decision: { ...base, to: current, direction: 'none', reason }, memory: next };
}

/**
 * The window to add this evaluation to, and a hand scale if there was one. On first sight (autoscaler
 * started) or after a person scaled, the count as it is now stands for one window, so neither a restart
 * nor a hand-made scale-up is undone before the window has seen the load.
 */
function startingPoint(memory: PolicyMemory, current: number, now: number, windowMs: number) {
  const manual =
    memory.expected !== undefined && memory.expected !== current ? { from: memory.expected, to: current } : undefined;
  const past: WindowEntry[] =
    memory.expected === undefined || manual
      ? [{ at: now, replicas: current }]
      : memory.window.filter((entry) => entry.at > now - windowMs);
  return { manual, past };
}

/** One entry per evaluation: with a seed of this same moment, the higher of the two. */
function withEntry(past: readonly WindowEntry[], now: number, replicas: number): WindowEntry[] {
  const last = past.at(-1);
  return last?.at === now
    ? [...past.slice(0, -1), { at: now, replicas: Math.max(last.replicas, replicas) }]
    : [...past, { at: now, replicas }];
}
