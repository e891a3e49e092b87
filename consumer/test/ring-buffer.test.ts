import { RingBuffer } from '../src/ring-buffer';

describe('RingBuffer', () => {
  it('keeps the last items, oldest first', () => {
    const buffer = new RingBuffer<number>(3);
    expect(buffer.toArray()).toEqual([]);
    [1, 2].forEach((n) => buffer.push(n));
    expect(buffer.toArray()).toEqual([1, 2]);
    [3, 4, 5].forEach((n) => buffer.push(n));
    expect(buffer.toArray()).toEqual([3, 4, 5]);
    buffer.push(6);
    expect(buffer.toArray()).toEqual([4, 5, 6]);
    expect(buffer.size).toBe(3);
  });

  it('rejects a capacity that cannot hold anything', () => {
    expect(() => new RingBuffer(0)).toThrow('capacity must be a whole number >= 1 (got 0)');
  });
});
