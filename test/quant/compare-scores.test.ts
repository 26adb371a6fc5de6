import { describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { compareScores } from '../../src/quant/index.js';
import { expectError } from '../tensor/expect-error.js';

describe('compareScores', () => {
  it('reports max abs/rel differences and the fraction of flipped decisions (score > threshold)', () => {
    const f = [0.1, 0.5, 0.9, 2.0];
    const q = [0.1, 0.55, 0.85, 2.5];
    const r = compareScores(f, q, 0.52);
    // Hand-computed: diffs 0, 0.05, 0.05, 0.5; relative 0, 0.1, 0.0556, 0.25; row 1 flips (0.5 <= t < 0.55).
    expect(r.maxAbsDiff).toBeCloseTo(0.5, 12);
    expect(r.maxRelDiff).toBeCloseTo(0.25, 12);
    expect(r.flipFraction).toBe(0.25);
    expect(r.floatAccuracy).toBeNull();
    expect(r.quantAccuracy).toBeNull();
  });

  it('uses a strict threshold: a score equal to the threshold is not flagged', () => {
    expect(compareScores([1, 1], [1, 1.0000001], 1).flipFraction).toBe(0.5);
  });

  it('with labels, reports each model accuracy at the threshold', () => {
    const r = compareScores([0.1, 0.9, 0.6, 0.2], [0.1, 0.9, 0.4, 0.3], 0.5, [0, 1, 1, 1]);
    // float flags [F,T,T,F] vs labels [0,1,1,1]: 3 of 4 right; quant flags [F,T,F,F]: 2 of 4; row 2 flips.
    expect(r.floatAccuracy).toBe(0.75);
    expect(r.quantAccuracy).toBe(0.5);
    expect(r.flipFraction).toBe(0.25);
  });

  it('gives relative difference 0 where both scores are 0 and Infinity where only the float one is', () => {
    expect(compareScores([0, 1], [0, 1], 0.5).maxRelDiff).toBe(0);
    expect(compareScores([0, 1], [1e-9, 1], 0.5).maxRelDiff).toBe(Infinity);
  });

  it('accepts typed arrays', () => {
    const r = compareScores(Float32Array.of(1, 2), Float64Array.of(1, 2), 1.5);
    expect([r.maxAbsDiff, r.flipFraction]).toEqual([0, 0]);
  });

  it('throws ShapeError for mismatched or empty inputs', () => {
    expectError(() => compareScores([1, 2], [1], 0), ShapeError, /^compareScores: floatScores, quantScores \(and labels\) must have the same non-zero length, got 2, 1$/);
    expectError(() => compareScores([], [], 0), ShapeError, /compareScores: floatScores, quantScores \(and labels\) must have the same non-zero length, got 0, 0/);
    expectError(() => compareScores([1], [1], 0, [1, 0]), ShapeError, /got 1, 1, 2/);
  });

  it('throws DataError for non-finite scores and non-binary labels', () => {
    expectError(() => compareScores([1, NaN], [1, 1], 0), DataError, /scores must be finite, got float NaN and quant 1 at row 1/);
    expectError(() => compareScores([1], [1], 0, [2]), DataError, /labels must be 0 or 1, got 2 at row 0/);
  });

  it('throws InvalidOptionError for a non-finite threshold', () => {
    expectError(() => compareScores([1], [1], NaN), InvalidOptionError, /threshold must be a finite number, got NaN/);
  });
});
