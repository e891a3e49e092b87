import { Histogram } from '../src/histogram';

describe('Histogram', () => {
  it('counts each whole number in range and ignores the rest', () => {
    const histogram = new Histogram(1, 5);
    for (const value of [1, 5, 5, 3, 0, 6, 2.5, Number.NaN]) histogram.record(value);
    expect(histogram.counts()).toEqual([1, 0, 1, 0, 2]);
    expect(histogram.total).toBe(4);
  });

  it('hands out copies, so a reader cannot change the counts', () => {
    const histogram = new Histogram(1, 2);
    histogram.counts()[0] = 99;
    expect(histogram.counts()).toEqual([0, 0]);
  });
});
