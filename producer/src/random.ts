import { randomInt } from 'node:crypto';

/** A uniformly random integer in min..max inclusive. */
export type RandomInteger = (min: number, max: number) => number;

/** crypto.randomInt rejects biased draws internally, so every value is equally likely. */
export const cryptoRandomInteger: RandomInteger = (min, max) => randomInt(min, max + 1);
