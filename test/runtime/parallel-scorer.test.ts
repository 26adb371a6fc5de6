/** ParallelScorer: rows split across threads score exactly as model.run on the whole batch. */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, ShapeError } from '../../src/errors.js';
import { ParallelScorer, loadOnnx } from '../../src/runtime/index.js';
import { Random, releaseThreads } from '../../src/tensor/index.js';
import { whyNoWorkers } from '../../src/tensor/threads/index.js';
import { expectError } from '../tensor/expect-error.js';
import { modelBytes, node, rawFloatTensor, valueInfo } from './build-model.js';

afterAll(() => releaseThreads());

/** score = mean((relu(x W1^T + b1) W2^T + b2 - x)^2) over 6 columns, dynamic batch. */
function scorerModel(): Uint8Array {
  const rng = new Random(4);
  return modelBytes({
    nodes: [
      node('Gemm', ['x', 'w1', 'b1'], ['h'], { transB: 1 }),
      node('Relu', ['h'], ['a']),
      node('Gemm', ['a', 'w2', 'b2'], ['y'], { transB: 1 }),
      node('Sub', ['y', 'x'], ['d']),
      node('Mul', ['d', 'd'], ['sq']),
      node('ReduceMean', ['sq'], ['score'], { axes: [1], keepdims: 0 }),
    ],
    inputs: [valueInfo('x', [null, 6])],
    outputs: ['score'],
    initializers: [
      rawFloatTensor('w1', [5, 6], rng.uniformFill(new Float32Array(30), -1, 1)),
      rawFloatTensor('b1', [5], rng.uniformFill(new Float32Array(5), -1, 1)),
      rawFloatTensor('w2', [6, 5], rng.uniformFill(new Float32Array(30), -1, 1)),
      rawFloatTensor('b2', [6], rng.uniformFill(new Float32Array(6), -1, 1)),
    ],
  });
}

describe('ParallelScorer', () => {
  const bytes = scorerModel();
  const rows = 1300;
  const x = new Random(5).normalFill(new Float32Array(rows * 6));
  const want = loadOnnx(bytes).run({ x: { data: x, shape: [rows, 6] } }).score!.data;

  it('with threads: 1 returns model.run\'s scores', () => {
    expect(new ParallelScorer(bytes, { threads: 1 }).score(x, rows)).toEqual(want);
  });

  it.runIf(whyNoWorkers() === null && availableParallelism() >= 2)('on two threads returns the same scores bit for bit, batch after batch', { timeout: 60_000 }, () => {
    const scorer = new ParallelScorer(bytes, { threads: 2 });
    expect(scorer.score(x, rows)).toEqual(want);
    const half = scorer.score(x.subarray(0, 600 * 6), 600);
    expect(half).toEqual(want.subarray(0, 600));
    scorer.close();
  });

  it('throws ShapeError for a partial row and DataError for NaN', () => {
    const scorer = new ParallelScorer(bytes, { threads: 1 });
    expectError(() => scorer.score(x.subarray(0, 13), 2), ShapeError, /x must hold rows x D values, got 13 values for rows 2/);
    const bad = x.slice(0, 12);
    bad[3] = NaN;
    expectError(() => scorer.score(bad, 2), DataError, /must be finite, got NaN/);
  });
});
