/**
 * Runtime Gemm and MatMul on small graphs built with onnx-proto,
 * against naive implementations written here (or exactly known values).
 */
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { modelBytes, node, tensor, valueInfo } from './build-model.js';
import { randValues, run1 } from './op-test-helpers.js';
import { expectError } from '../tensor/expect-error.js';

const rand = randValues(7);

/** Naive row-major [m,k] x [k,n]. */
function naiveMatmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    out.push(s);
  }
  return out;
}

function transpose2(x: ArrayLike<number>, r: number, c: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out.push(x[i * c + j]!);
  return out;
}

describe('Gemm', () => {
  for (const m of [1, 3]) {
    for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      it(`m=${m} transA=${transA} transB=${transB} alpha=0.5 beta=2.5 with [N] bias`, () => {
        const k = 5;
        const n = 4;
        const a = rand(m * k);
        const b = rand(k * n);
        const c = rand(n);
        const aStored = transA ? transpose2(a, m, k) : Array.from(a);
        const bStored = transB ? transpose2(b, k, n) : Array.from(b);
        const out = run1({
          nodes: [node('Gemm', ['A', 'B', 'C'], ['Y'], { alpha: 0.5, beta: 2.5, transA, transB })],
          inputs: [valueInfo('A', transA ? [k, m] : [m, k])],
          initializers: [tensor('B', transB ? [n, k] : [k, n], bStored), tensor('C', [n], c)],
          outputs: ['Y'],
        }, { A: { data: aStored, shape: transA ? [k, m] : [m, k] } });
        const ref = naiveMatmul(a, b, m, k, n).map((v, i) => 0.5 * v + 2.5 * c[i % n]!);
        expect(out.Y!.shape).toEqual([m, n]);
        expect(out.Y!.data).toBeAllclose(ref);
      });
    }
  }

  it('broadcasts a [M,1] C and works without C', () => {
    const a = rand(6);
    const b = rand(6);
    const c = rand(2);
    const out = run1({
      nodes: [node('Gemm', ['A', 'B', 'C'], ['Y']), node('Gemm', ['A', 'B'], ['Z'])],
      inputs: [valueInfo('A', [2, 3])],
      initializers: [tensor('B', [3, 2], b), tensor('C', [2, 1], c)],
      outputs: ['Y', 'Z'],
    }, { A: { data: a, shape: [2, 3] } });
    const ab = naiveMatmul(a, b, 2, 3, 2);
    expect(out.Y!.data).toBeAllclose(ab.map((v, i) => v + c[Math.floor(i / 2)]!));
    expect(out.Z!.data).toBeAllclose(ab);
  });

  it('throws ShapeError naming the node when inner dims differ', () => {
    const bytes = modelBytes({ nodes: [node('Gemm', ['A', 'B'], ['Y'])], inputs: [valueInfo('A', [1, 3])], initializers: [tensor('B', [4, 2], rand(8))], outputs: ['Y'] });
    expectError(() => loadOnnx(bytes), ShapeError, /Gemm "Gemm_Y": inner dimensions must match, got \[1,3\] and \[4,2\]/);
  });
});

describe('MatMul', () => {
  const cases: [number[], number[], number[]][] = [
    [[2, 3, 4], [4, 5], [2, 3, 5]],
    [[2, 3, 4], [2, 4, 5], [2, 3, 5]],
    [[1, 3, 4], [2, 4, 5], [2, 3, 5]],
    [[4], [4, 5], [5]],
    [[3, 4], [4], [3]],
  ];
  for (const [as, bs, os] of cases) {
    it(`[${as}] x [${bs}] -> [${os}]`, () => {
      const a = rand(as.reduce((p, d) => p * d, 1));
      const b = rand(bs.reduce((p, d) => p * d, 1));
      const out = run1({ nodes: [node('MatMul', ['A', 'B'], ['Y'])], inputs: [valueInfo('A', as), valueInfo('B', bs)], outputs: ['Y'] }, { A: { data: a, shape: as }, B: { data: b, shape: bs } });
      const m = as.length > 1 ? as[as.length - 2]! : 1;
      const k = as[as.length - 1]!;
      const n = bs.length > 1 ? bs[bs.length - 1]! : 1;
      const batches = os.reduce((p, d) => p * d, 1) / (m * n);
      const ref: number[] = [];
      for (let t = 0; t < batches; t++) {
        const aBatch = as.length === 3 && as[0] !== 1 ? t : 0;
        const bBatch = bs.length === 3 ? t : 0;
        ref.push(...naiveMatmul(a.subarray(aBatch * m * k), b.subarray(bBatch * k * n), m, k, n));
      }
      expect(out.Y!.shape).toEqual(os);
      expect(out.Y!.data).toBeAllclose(ref);
    });
  }
});
