import type { Recommendation, ServiceObservation, SignalEvidence, SignalReading } from './policy';

/** A little below 1e-9 above a whole number still counts as that number (floating point noise). */
const EPSILON = 1e-9;

/**
 * The replicas each signal asks for, as the HPA's replica calculator computes them: per ready replica,
 * `ceil(ready × observed / target)`, or the current count inside the tolerance band. With two signals,
 * the one that asks for more wins. Nothing here knows about bounds, steps or the past.
 */
export function recommend(
  signals: readonly SignalReading[],
  observation: ServiceObservation,
  tolerance: number,
): Recommendation {
  const evidence = signals.map((reading) => signalEvidence(reading, observation, tolerance));
  const wanted = evidence.flatMap((item) => (item.wanted === undefined ? [] : [item.wanted]));
  return { signals: evidence, ...(wanted.length > 0 && { wanted: Math.max(...wanted) }) };
}

function signalEvidence(
  { signal, target, total }: SignalReading,
  { current, ready }: ServiceObservation,
  tolerance: number,
): SignalEvidence {
  if (!total.ok) return { signal, target, missing: total.reason };
  if (ready === 0) return { signal, target };
  const perReplica = total.value / ready;
  const ratio = perReplica / target;
  // desired = ceil(ready × observed / target), which equals ceil(total / target); inside the band, no change.
  let wanted = Math.abs(ratio - 1) <= tolerance + EPSILON ? current : Math.ceil(ready * ratio - EPSILON);
  // Replicas still starting will take their share of the load: a signal above target never shrinks
  // the count, and one below target never grows it (as the HPA, which treats them as idle).
  if (ratio > 1 + tolerance + EPSILON) wanted = Math.max(wanted, current);
  if (ratio < 1 - tolerance - EPSILON) wanted = Math.min(wanted, current);
  return { signal, target, perReplica, wanted };
}
