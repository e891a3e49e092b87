import { judgeUniformity } from '../../src/dashboard/uniformity';
import { seededRandom } from '../../../test/support/seeded-random';

function countsOf(values: readonly number[], size = 180): number[] {
  const counts = new Array<number>(size).fill(0);
  for (const value of values) counts[value - 1] = (counts[value - 1] ?? 0) + 1;
  return counts;
}

/** `first` numbers in 1..90 and `second` in 91..180. */
function halves(first: number, second: number): number[] {
  return countsOf([...new Array<number>(first).fill(1), ...new Array<number>(second).fill(180)]);
}

describe('judgeUniformity', () => {
  it('gives no verdict before there are enough numbers', () => {
    const verdict = judgeUniformity(countsOf([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(verdict).toMatchObject({ verdict: 'too-few', samples: 9, samplesNeeded: 10, chiSquare: null, pValue: null });
  });

  it('pools neighbouring values so that every group expects at least 5 numbers', () => {
    expect(judgeUniformity(halves(5, 5))).toMatchObject({ groups: 2, groupWidth: 90 });
    expect(judgeUniformity(halves(45, 45))).toMatchObject({ groups: 18, groupWidth: 10, degreesOfFreedom: 17 });
    expect(judgeUniformity(halves(450, 450))).toMatchObject({ groups: 180, groupWidth: 1, degreesOfFreedom: 179 });
  });

  it('finds nothing suspicious in perfectly even counts', () => {
    const verdict = judgeUniformity(new Array<number>(180).fill(5));
    expect(verdict).toMatchObject({ verdict: 'uniform', chiSquare: 0, pValue: 1 });
  });

  it('calls a source that is stuck on one value not uniform', () => {
    const verdict = judgeUniformity(countsOf(new Array<number>(200).fill(42)));
    expect(verdict.verdict).toBe('not-uniform');
    expect(verdict.pValue).toBeLessThan(1e-6);
  });

  it('draws the lines at p = 0.05 and p = 0.01', () => {
    // Two groups (df = 1): chi-square 3.6 → p ≈ 0.058, 6.4 → p ≈ 0.011, 10 → p ≈ 0.0016.
    expect(judgeUniformity(halves(8, 2))).toMatchObject({ verdict: 'uniform', chiSquare: 3.6 });
    expect(judgeUniformity(halves(9, 1)).verdict).toBe('borderline');
    expect(judgeUniformity(halves(9, 1)).pValue).toBeCloseTo(0.0114, 3);
    expect(judgeUniformity(halves(10, 0)).verdict).toBe('not-uniform');
  });

  it('calls a fair source uniform and a biased one not uniform, with the same number of draws', () => {
    const random = seededRandom(2026);
    const fair = Array.from({ length: 9000 }, () => 1 + Math.floor(random() * 180));
    // 1..60 twice as likely as the rest: the bias a modulo of a wider random range brings.
    const biased = Array.from({ length: 9000 }, () => 1 + (Math.floor(random() * 240) % 180));
    expect(judgeUniformity(countsOf(fair)).verdict).toBe('uniform');
    expect(judgeUniformity(countsOf(biased)).verdict).toBe('not-uniform');
  });
});
