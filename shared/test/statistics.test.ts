import { chiSquarePValue, chiSquareUniform } from '@fogpair/shared';

describe('chiSquareUniform', () => {
  it('is 0 for perfectly even counts', () => {
    expect(chiSquareUniform([25, 25, 25, 25])).toBe(0);
  });

  it("is Pearson's sum of (observed - expected)² / expected", () => {
    // expected 10 each: (20-10)²/10 + (0-10)²/10 = 20
    expect(chiSquareUniform([20, 0])).toBe(20);
    // expected 20 each: (10² + 0² + 10²) / 20 = 10
    expect(chiSquareUniform([10, 20, 30])).toBe(10);
  });

  it('is 0 when there is nothing to compare', () => {
    expect(chiSquareUniform([])).toBe(0);
    expect(chiSquareUniform([0, 0, 0])).toBe(0);
  });
});

describe('chiSquarePValue', () => {
  // Reference values from scipy.stats.chi2.sf.
  it.each([
    [3.841, 1, 0.050013683763956804],
    [18.307, 10, 0.05000058909139812],
    [4, 2, Math.exp(-2)], // for 2 degrees of freedom the tail is exactly e^(-x/2)
    [0.5, 5, 0.9921232932326296],
    [0.001, 1, 0.9747728793699604],
    [150, 179, 0.9439192687113341],
    [179, 179, 0.4859426461423187],
    [283.9, 179, 9.672023126557174e-7],
    [283.7276864784791, 179, 1e-6],
  ])('P(X >= %p) with %p degrees of freedom is %p', (statistic, degreesOfFreedom, expected) => {
    const p = chiSquarePValue(statistic, degreesOfFreedom);
    expect(Math.abs(p - expected) / expected).toBeLessThan(1e-6);
  });

  it('keeps tiny tails positive and accurate to their order of magnitude', () => {
    expect(Math.log10(chiSquarePValue(200, 3))).toBeCloseTo(Math.log10(4.218541107192018e-43), 3);
    expect(Math.log10(chiSquarePValue(1000, 179))).toBeCloseTo(Math.log10(3.577590975752331e-114), 3);
  });

  it('is 1 for a statistic of 0 (perfectly even counts are never suspicious)', () => {
    expect(chiSquarePValue(0, 179)).toBe(1);
  });

  it('falls as the statistic grows', () => {
    const values = [100, 150, 179, 200, 250, 284, 400].map((x) => chiSquarePValue(x, 179));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1] ?? 0);
    for (const value of values) expect(value).toBeGreaterThanOrEqual(0);
  });
});
