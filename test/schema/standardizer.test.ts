import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, ShapeError } from '../../src/errors.js';
import { applyStandardizer, fitStandardizer } from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';

// Naive reference: per column, mean = sum / n and population std = sqrt(sum((x - mean)^2) / n).
function naive(data: number[], rows: number, cols: number): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < cols; j++) {
    const col = Array.from({ length: rows }, (_, i) => data[i * cols + j]!);
    const m = col.reduce((a, b) => a + b, 0) / rows;
    mean.push(m);
    std.push(Math.sqrt(col.reduce((a, b) => a + (b - m) * (b - m), 0) / rows));
  }
  return { mean, std };
}

describe('fitStandardizer / applyStandardizer', () => {
  it('matches a naive mean / population std and standardizes with them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }).chain((rows) =>
          fc.integer({ min: 1, max: 6 }).chain((cols) =>
            fc.tuple(fc.constant(rows), fc.constant(cols), fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }), { minLength: rows * cols, maxLength: rows * cols })),
          ),
        ),
        ([rows, cols, values]) => {
          const data = Float32Array.from(values);
          const ref = naive(Array.from(data), rows, cols);
          const st = fitStandardizer(data, rows, cols);
          expect(st.mean).toBeAllclose(ref.mean, { rtol: 1e-9, atol: 1e-9 });
          const scale = ref.std.map((s) => (s > 0 ? s : 1));
          expect(st.scale).toBeAllclose(scale, { rtol: 1e-7, atol: 1e-9 });
          const expected = Array.from(data, (v, k) => (v - ref.mean[k % cols]!) / scale[k % cols]!);
          expect(applyStandardizer(st, data)).toBeAllclose(expected, { rtol: 1e-5, atol: 1e-5 });
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('only centres a constant column', () => {
    const data = Float32Array.from([5, 1, 5, 2, 5, 3]);
    const st = fitStandardizer(data, 3, 2);
    expect(Array.from(st.scale)).toEqual([1, Math.sqrt(2 / 3)]);
    const z = applyStandardizer(st, data);
    expect([z[0], z[2], z[4]]).toEqual([0, 0, 0]);
  });

  it('is pure and fills a preallocated output', () => {
    const data = Float32Array.from([1, 2, 3, 4]);
    const copy = Float32Array.from(data);
    const out = new Float32Array(4);
    const st = fitStandardizer(data, 2, 2);
    expect(applyStandardizer(st, data, out)).toBe(out);
    expect(Array.from(data)).toEqual(Array.from(copy));
    expect(Array.from(out)).toEqual([-1, -1, 1, 1]);
  });

  it('throws typed errors for bad shapes and non-finite values', () => {
    expectError(() => fitStandardizer(new Float32Array(5), 2, 3), ShapeError, /fitStandardizer: data length must equal rows x cols = 2 x 3, got 5/);
    expectError(() => fitStandardizer(new Float32Array(0), 0, 3), DataError, /^fitStandardizer: rows must be at least 1, got 0$/);
    expectError(() => fitStandardizer(Float32Array.from([1, NaN]), 1, 2), DataError, /^fitStandardizer: row 0, column 1 must be finite, got NaN$/);
    const st = fitStandardizer(new Float32Array(6), 2, 3);
    expectError(() => applyStandardizer(st, new Float32Array(4)), ShapeError, /^applyStandardizer: data length must be a multiple of the fitted width 3, got 4$/);
    expectError(() => applyStandardizer(st, new Float32Array(6), new Float32Array(3)), ShapeError, /^applyStandardizer: out length must be 6, got 3$/);
  });
});
