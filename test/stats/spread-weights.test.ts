import { describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { spreadRatio, spreadWeights } from '../../src/stats/index.js';
import { expectError } from '../tensor/expect-error.js';

/** Phi^-1(3/4) - Phi^-1(1/4) (scipy.stats.norm.ppf(0.75) * 2). */
const NORMAL_IQR = 1.3489795003921634;

describe('spreadRatio', () => {
  it('is the numpy-linear interquartile range over the standard normal one', () => {
    // Quartiles of 0..4 at positions 1 and 3: IQR 2. Of [0, 1, 2, 10]: 0.75 and 4 (linear), IQR 3.25.
    expect(spreadRatio(Float64Array.from([4, 0, 2, 1, 3]))).toBeCloseTo(2 / NORMAL_IQR, 14);
    expect(spreadRatio(Float32Array.from([10, 0, 2, 1]))).toBeCloseTo(3.25 / NORMAL_IQR, 14);
  });

  it('refuses an empty or non-finite sample', () => {
    expectError(() => spreadRatio(new Float64Array(0)), DataError, /^spreadRatio: z must /);
    expectError(() => spreadRatio(Float64Array.from([1, Number.NaN])), DataError, /^spreadRatio: z\[1\] must be finite/);
  });
});

describe('spreadWeights', () => {
  const a = Float64Array.from([0, 1, 2, 3, 4]); // ratio 2 / 1.349
  const b = Float64Array.from([0, 2, 4, 6, 8]); // ratio 4 / 1.349

  it('weighs members by ratio^power, normalised to sum 1; power 0 is the plain mean', () => {
    expect(spreadWeights([a, b], 1)).toEqual([1 / 3, 2 / 3]);
    expect(spreadWeights([a, b], 3)[1]).toBeCloseTo(8 / 9, 14);
    expect(spreadWeights([a, b, a], 0)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('gives equal weights when every member is constant on the rows', () => {
    expect(spreadWeights([new Float64Array(4), new Float64Array(4)], 3)).toEqual([0.5, 0.5]);
  });

  it('refuses no member, unequal lengths and a bad power', () => {
    expectError(() => spreadWeights([], 1), ShapeError, /^spreadWeights: members must hold at least 1 score array, got 0$/);
    expectError(() => spreadWeights([a, b.subarray(1)], 1), ShapeError, /^spreadWeights: members must have equal lengths, got 5 and 4 \(member 1\)$/);
    expectError(() => spreadWeights([a, b], -1), InvalidOptionError, /^spreadWeights: power must be a finite number >= 0, got -1$/);
  });
});
