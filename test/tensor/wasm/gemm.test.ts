/** The WebAssembly gemm against the JS kernel and a float64 triple loop, with operands in and out of the heap. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random, jsGemm } from '../../../src/tensor/index.js';
import { wasmGemm } from '../../../src/tensor/wasm/gemm.js';
import { heapFloat32, heapFree } from '../../../src/tensor/wasm/heap.js';
import { wasmUnavailableReason } from '../../../src/tensor/wasm/kernels.js';
import { naiveGemm } from '../naive-gemm.js';


/** float32 sums over k terms of values in [-1, 1] (the WASM kernel sums in float32). */
const tol = (k: number) => ({ rtol: 1e-5, atol: 4e-7 * (k + 4) });
const dim = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 31), fc.integer({ min: 1, max: 40 }));

/** `data` copied into the heap (in place for the kernel) or kept as a plain array. */
function place(data: Float32Array, inHeap: boolean): Float32Array {
  if (!inHeap) return data;
  const h = heapFloat32(data.length);
  h.set(data);
  return h;
}

describe.runIf(wasmUnavailableReason() === null)('wasmGemm', () => {
  it('matches the naive product for random shapes, transposes, alpha, accumulate and heap placement', () => {
    fc.assert(
      fc.property(dim, dim, dim, fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(0, 1, 3), fc.integer({ min: 0, max: 1 << 20 }),
        (m, n, k, transA, transB, accumulate, placement, seed) => {
          const rng = new Random(seed);
          const a = place(rng.uniformFill(new Float32Array(m * k), -1, 1), (placement & 1) !== 0);
          const b = place(rng.uniformFill(new Float32Array(k * n), -1, 1), (placement & 2) !== 0);
          const start = rng.uniformFill(new Float32Array(m * n), -1, 1);
          const c = place(start.slice(), placement === 3);
          wasmGemm(a, b, c, { m, n, k, transA, transB, accumulate, alpha: 0.75 });
          const want = naiveGemm(a, b, m, n, k, transA, transB).map((v, i) => 0.75 * v + (accumulate ? start[i]! : 0));
          expect(c).toBeAllclose(want, tol(k));
          for (const x of [a, b, c]) heapFree(x);
        }),
      { seed: 7, numRuns: 150 },
    );
  });

  it.each([
    [121, 9, 300, false, false],
    [125, 130, 257, true, false],
    [241, 17, 513, false, true],
    [4, 8, 1, true, true],
    [1, 37, 300, false, false],
    [1, 37, 301, false, true],
    [1, 3, 2, true, false],
  ])('crosses tile, panel and block edges at m=%i n=%i k=%i (transA %s, transB %s)', (m, n, k, transA, transB) => {
    const rng = new Random(m * 1000 + n);
    const a = rng.uniformFill(new Float32Array(m * k), -1, 1);
    const b = rng.uniformFill(new Float32Array(k * n), -1, 1);
    const got = new Float32Array(m * n);
    const ref = new Float32Array(m * n);
    wasmGemm(a, b, got, { m, n, k, transA, transB });
    jsGemm(a, b, ref, { m, n, k, transA, transB });
    expect(got).toBeAllclose(naiveGemm(a, b, m, n, k, transA, transB), tol(k));
    expect(got).toBeAllclose(ref, tol(k));
  });

  it('reads and writes at element offsets and leaves the rest of C alone', () => {
    const [m, n, k] = [9, 11, 70];
    const rng = new Random(3);
    const a = rng.uniformFill(new Float32Array(5 + m * k), -1, 1);
    const b = rng.uniformFill(new Float32Array(2 + k * n), -1, 1);
    const c = new Float32Array(7 + m * n + 3).fill(9);
    wasmGemm(a, b, c, { m, n, k, aOffset: 5, bOffset: 2, cOffset: 7 });
    expect(c).toBeAllclose([...new Array<number>(7).fill(9), ...naiveGemm(a.subarray(5), b.subarray(2), m, n, k, false, false), 9, 9, 9], tol(k));
  });

  it('gives the same bytes on every run (deterministic)', () => {
    const rng = new Random(11);
    const a = rng.uniformFill(new Float32Array(70 * 90), -1, 1);
    const b = rng.uniformFill(new Float32Array(90 * 33), -1, 1);
    const first = new Float32Array(70 * 33);
    const again = new Float32Array(70 * 33);
    wasmGemm(a, b, first, { m: 70, n: 33, k: 90 });
    wasmGemm(a, b, again, { m: 70, n: 33, k: 90 });
    expect(Buffer.from(again.buffer).equals(Buffer.from(first.buffer))).toBe(true);
  });
});
