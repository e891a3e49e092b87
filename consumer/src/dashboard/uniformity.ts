import { chiSquarePValue, chiSquareUniform } from '@fogpair/shared';

/**
 * - `too-few`: not enough numbers yet to say anything.
 * - `uniform`: nothing suspicious (p >= 0.05).
 * - `borderline`: a bit uneven (0.01 <= p < 0.05); a fair source lands here about 1 time in 25.
 * - `not-uniform`: very unlikely from a fair source (p < 0.01).
 */
export type UniformityVerdict = 'too-few' | 'uniform' | 'borderline' | 'not-uniform';

export interface Uniformity {
  verdict: UniformityVerdict;
  samples: number;
  /** How many numbers the first verdict needs. */
  samplesNeeded: number;
  /** The values were tested in this many groups of `groupWidth` neighbouring values. */
  groups: number;
  groupWidth: number;
  chiSquare: number | null;
  degreesOfFreedom: number | null;
  /** The chance that a truly uniform source looks at least this uneven. */
  pValue: number | null;
}

/** Pearson's test is trustworthy once every group expects at least about 5 samples. */
export const MIN_EXPECTED_PER_GROUP = 5;
const BORDERLINE_BELOW = 0.05;
const NOT_UNIFORM_BELOW = 0.01;

/**
 * A chi-square goodness-of-fit test of `counts` (one per value) against the uniform distribution.
 * With few samples, neighbouring values are pooled into equal groups (uniform values stay uniform
 * when pooled), so a verdict comes after a minute of polling instead of after 900 polls.
 */
export function judgeUniformity(counts: readonly number[]): Uniformity {
  const samples = counts.reduce((sum, count) => sum + count, 0);
  const samplesNeeded = 2 * MIN_EXPECTED_PER_GROUP;
  const groups = largestGroupCount(counts.length, samples);
  if (groups === undefined) {
    return {
      verdict: 'too-few',
      samples,
      samplesNeeded,
      groups: 0,
      groupWidth: 0,
      chiSquare: null,
      degreesOfFreedom: null,
      pValue: null,
    };
  }
  const groupWidth = counts.length / groups;
  const pooled = Array.from({ length: groups }, (_, group) =>
    counts.slice(group * groupWidth, (group + 1) * groupWidth).reduce((sum, count) => sum + count, 0),
  );
  const chiSquare = chiSquareUniform(pooled);
  const degreesOfFreedom = groups - 1;
  const pValue = chiSquarePValue(chiSquare, degreesOfFreedom);
  return {
    verdict: pValue < NOT_UNIFORM_BELOW ? 'not-uniform' : pValue < BORDERLINE_BELOW ? 'borderline' : 'uniform',
    samples,
    samplesNeeded,
    groups,
    groupWidth,
    chiSquare,
    degreesOfFreedom,
    pValue,
  };
}

/** The most groups that divide `values` evenly and still expect enough samples each; at least 2. */
function largestGroupCount(values: number, samples: number): number | undefined {
  for (let groups = values; groups >= 2; groups--) {
    if (values % groups === 0 && samples / groups >= MIN_EXPECTED_PER_GROUP) return groups;
  }
  return undefined;
}
