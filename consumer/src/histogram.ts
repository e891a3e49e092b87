/** How often each whole number in min..max was seen; fixed size, whatever the number of samples. */
export class Histogram {
  private readonly bins: number[];
  private samples = 0;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`need whole numbers min <= max (got ${min}..${max})`);
    }
    this.bins = new Array<number>(max - min + 1).fill(0);
  }

  /** Values outside min..max are not counted (the contract keeps them out; this keeps the counts honest). */
  record(value: number): boolean {
    if (!Number.isInteger(value) || value < this.min || value > this.max) return false;
    this.bins[value - this.min] = (this.bins[value - this.min] ?? 0) + 1;
    this.samples++;
    return true;
  }

  get total(): number {
    return this.samples;
  }

  /** counts()[i] is how often min + i was seen. */
  counts(): number[] {
    return [...this.bins];
  }
}
