/** gemm and matmul against a naive float64 triple loop, for random, odd, prime, batched and transposed shapes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { Random, Tensor, gemm, matmul } from '../../src/tensor/index.js';
import { expectError } from './expect-error.js';
import { naiveGemm } from './naive-gemm.js';


const dim = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 13, 17, 31), fc.integer({ min: 1, max: 40 }));
/** float32 rounding over k terms of values in [-1, 1]: allow sqrt(k)-scaled error. */
const tol = (k: number) => ({ rtol: 1e-5, atol: 2e-6 * Math.sqrt(k + 1) * 4 });

describe('gemm', () => {
  it('matches the naive product for random shapes and all transpose variants', () => {
    fc.assert(
      fc.property(dim, dim, dim, fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (m, n, k, transA, transB, seed) => {
        const rng = new Random(seed);
        const a = rng.uniformFill(new Float32Array(m * k), -1, 1);
        const b = rng.uniformFill(new Float32Array(k * n), -1, 1);
        const c = new Float32Array(m * n);
        gemm(a, b, c, { m, n, k, transA, transB });
        expect(c).toBeAllclose(naiveGemm(a, b, m, n, k, transA, transB), tol(k));
      }),
      { seed: 42, numRuns: 120 },
    );
  });

  it.each([
    [130, 9, 300, false, false],
    [5, 130, 270, true, false],
    [129, 6, 257, false, true],
    [1, 64, 32, false, false],
    [1, 33, 300, false, true],
    [1, 7, 5, true, false],
  ])('crosses block edges at m=%i n=%i k=%i (transA %s, transB %s)', (m, n, k, transA, transB) => {
    const rng = new Random(m * 1000 + n);
    const a = rng.uniformFill(new Float32Array(m * k), -1, 1);
    const b = rng.uniformFill(new Float32Array(k * n), -1, 1);
    const c = new Float32Array(m * n);
    gemm(a, b, c, { m, n, k, transA, transB });
    expect(c).toBeAllclose(naiveGemm(a, b, m, n, k, transA, transB), tol(k));
  });

  it('accumulates with alpha and respects offsets', () => {
    fc.assert(
      fc.property(dim, dim, dim, fc.boolean(), fc.boolean(), (m, n, k, transA, transB) => {
        const rng = new Random(m + 100 * n + 10000 * k);
        const a = rng.uniformFill(new Float32Array(3 + m * k), -1, 1);
        const b = rng.uniformFill(new Float32Array(5 + k * n), -1, 1);
        const c = rng.uniformFill(new Float32Array(2 + m * n), -1, 1);
        const before = c.slice();
        gemm(a, b, c, { m, n, k, transA, transB, accumulate: true, alpha: -0.5, aOffset: 3, bOffset: 5, cOffset: 2 });
        const ref = naiveGemm(a.subarray(3), b.subarray(5), m, n, k, transA, transB);
        const expected = Array.from(before.subarray(2), (v, i) => v - 0.5 * ref[i]!);
        expect(c[0]).toBe(before[0]);
        expect(c[1]).toBe(before[1]);
        expect(c.subarray(2)).toBeAllclose(expected, tol(k));
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it('writes zeros for k = 0 unless accumulating', () => {
    const c = Float32Array.from([1, 2]);
    gemm(new Float32Array(0), new Float32Array(0), c, { m: 1, n: 2, k: 0, accumulate: true });
    expect(Array.from(c)).toEqual([1, 2]);
    gemm(new Float32Array(0), new Float32Array(0), c, { m: 1, n: 2, k: 0 });
    expect(Array.from(c)).toEqual([0, 0]);
  });
});

/** Reference batched matmul with explicit broadcast of batch indices. */
function naiveBatched(a: Tensor, b: Tensor): { shape: number[]; data: Float64Array } {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pa = [...new Array<number>(rank - ba.length).fill(1), ...ba];
  const pb = [...new Array<number>(rank - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const nb = batch.reduce((p, d) => p * d, 1);
  const out = new Float64Array(nb * m * n);
  for (let t = 0; t < nb; t++) {
    let r = t, ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = r % batch[d]!;
      r = Math.floor(r / batch[d]!);
      ia += (pa[d] === 1 ? 0 : idx) * sa;
      ib += (pb[d] === 1 ? 0 : idx) * sb;
      sa *= pa[d]!;
      sb *= pb[d]!;
    }
    const c = naiveGemm(a.data.subarray(ia * m * k, (ia + 1) * m * k), b.data.subarray(ib * k * n, (ib + 1) * k * n), m, n, k, false, false);
    out.set(c, t * m * n);
  }
  return { shape: [...batch, m, n], data: out };
}

describe('matmul', () => {
  it('matches the reference for 2-D, batched and broadcast-batch shapes', () => {
    const batchDims = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 });
    fc.assert(
      fc.property(dim, dim, dim, batchDims, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (m, n, k, batch, ones) => {
        const ba = batch.map((d, i) => (ones[i] ? 1 : d)).slice(ones[2] ? 1 : 0);
        const bb = batch.map((d, i) => (ones[i + 2] ? 1 : d)).slice(ones[3] ? batch.length : 0);
        const rng = new Random(m * 7 + n * 11 + k);
        const sa = [...ba, m, k], sb = [...bb, k, n];
        const a = new Tensor(rng.uniformFill(new Float32Array(sa.reduce((p, d) => p * d, 1)), -1, 1), sa);
        const b = new Tensor(rng.uniformFill(new Float32Array(sb.reduce((p, d) => p * d, 1)), -1, 1), sb);
        const got = matmul(a, b);
        const ref = naiveBatched(a, b);
        expect(got.shape).toEqual(ref.shape);
        expect(got.data).toBeAllclose(ref.data, tol(k));
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('reads transposed operands in place', () => {
    const rng = new Random(3);
    const a = new Tensor(rng.uniformFill(new Float32Array(2 * 5 * 3), -1, 1), [2, 5, 3]); // stored [b, k, m]
    const b = new Tensor(rng.uniformFill(new Float32Array(4 * 5), -1, 1), [4, 5]); // stored [n, k]
    const got = matmul(a, b, { transA: true, transB: true });
    expect(got.shape).toEqual([2, 3, 4]);
    for (let t = 0; t < 2; t++) {
      const ref = naiveGemm(a.data.subarray(t * 15, (t + 1) * 15), b.data, 3, 4, 5, true, true);
      expect(got.data.subarray(t * 12, (t + 1) * 12)).toBeAllclose(ref, tol(5));
    }
  });

  it('throws ShapeError "matmul: inner dimensions must match, got [2,3] and [4,2]"', () => {
    const a = new Tensor(new Float32Array(6), [2, 3]);
    const b = new Tensor(new Float32Array(8), [4, 2]);
    expectError(() => matmul(a, b), ShapeError, /^matmul: inner dimensions must match, got \[2,3\] and \[4,2\]$/);
  });

  it('throws ShapeError for rank < 2 and incompatible batches', () => {
    expectError(() => matmul(new Tensor(new Float32Array(3), [3]), new Tensor(new Float32Array(3), [3, 1])), ShapeError, /^matmul: operands must have rank >= 2, got \[3\] and \[3,1\]$/);
    const a = new Tensor(new Float32Array(2 * 2 * 2), [2, 2, 2]);
    const b = new Tensor(new Float32Array(3 * 2 * 2), [3, 2, 2]);
    expectError(() => matmul(a, b), ShapeError, /^matmul: batch dimensions must be broadcast-compatible, got \[2,2,2\] and \[3,2,2\]$/);
  });
});
