import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ShapeError } from '../../src/errors.js';
import {
  Tensor, arange, argmax, broadcastTo, concat, layerNorm, max, mean, mseLoss, permute, reshape, slice, sum, sumToShape, transpose,
} from '../../src/tensor/index.js';
import { expectError } from './expect-error.js';

const t = (shape: number[]): Tensor => reshape(arange(shape.reduce((p, d) => p * d, 1)), shape);

describe('reductions', () => {
  it('sum/mean over an axis, negative axes and keepDims', () => {
    const x = t([2, 3]);
    expect(Array.from(sum(x, { axis: 0 }).data)).toEqual([3, 5, 7]);
    expect(sum(x, { axis: -1, keepDims: true }).toArray()).toEqual([[3], [12]]);
    expect(sum(x).shape).toEqual([]);
    expect(mean(x).item()).toBe(2.5);
    expect(Array.from(mean(x, { axis: 1 }).data)).toEqual([1, 4]);
  });

  it('max returns values and argmax positions', () => {
    const x = new Tensor(Float32Array.from([3, 9, 1, 4, 2, 8]), [2, 3]);
    expect(Array.from(max(x, { axis: 1 }).data)).toEqual([9, 8]);
    expect(Array.from(argmax(x, { axis: 1 }))).toEqual([1, 2]);
    expect(Array.from(argmax(x, { axis: 0 }))).toEqual([1, 0, 1]);
    expect(Array.from(argmax(x))).toEqual([1]);
  });

  it('throws ShapeError for an axis out of range', () => {
    expectError(() => sum(t([2, 3]), { axis: -3 }), ShapeError, /^sum: axis must be an integer in \[-2, 1\] for shape \[2,3\], got -3$/);
    expectError(() => mean(t([2]), { axis: 1 }), ShapeError, /^mean: axis must be/);
    expectError(() => max(t([0]), { axis: 0 }), ShapeError, /^max: reduced axis must be non-empty, got shape \[0\]$/);
  });
});

describe('transpose / permute', () => {
  it('swaps the last two axes by default', () => {
    expect(transpose(t([2, 3])).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  it('permutes three axes like an explicit index loop', () => {
    const x = t([2, 3, 4]);
    const y = permute(x, [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) {
      expect(y.data[i * 6 + j * 3 + k]).toBe(x.data[j * 12 + k * 4 + i]);
    }
  });

  it('throws ShapeError for a bad permutation', () => {
    expectError(() => permute(t([2, 3]), [0, 0]), ShapeError, /^permute: perm must be a permutation of 2 axes for shape \[2,3\], got \[0,0\]$/);
  });
});

describe('concat / slice', () => {
  it('concatenates along an inner axis', () => {
    const y = concat([t([2, 1]), t([2, 2])], 1);
    expect(y.toArray()).toEqual([[0, 0, 1], [1, 2, 3]]);
  });

  it('throws ShapeError when other dims differ', () => {
    expectError(() => concat([t([2, 1]), t([3, 1])], 1), ShapeError, /^concat: shapes must match except along axis 1, got \[2,1\] and \[3,1\]$/);
  });

  it('slices with a step, clipping like Python', () => {
    expect(Array.from(slice(t([10]), { axis: 0, start: 1, end: 10, step: 3 }).data)).toEqual([1, 4, 7]);
    expect(Array.from(slice(t([5]), { axis: 0, start: -2 }).data)).toEqual([3, 4]);
    expect(slice(t([2, 3]), { axis: 1, start: 2, end: 1 }).shape).toEqual([2, 0]);
  });

  it('throws InvalidOptionError for a non-positive step', () => {
    expectError(() => slice(t([4]), { axis: 0, step: 0 }), InvalidOptionError, /^slice: step must be a positive integer, got 0$/);
  });
});

describe('broadcastTo / sumToShape', () => {
  it('are adjoint: sumToShape(broadcastTo(x)) = x * repeats', () => {
    const x = t([3, 1]);
    const b = broadcastTo(x, [2, 3, 4]);
    expect(b.shape).toEqual([2, 3, 4]);
    expect(Array.from(sumToShape(b, [3, 1]).data)).toEqual([0, 8, 16]);
  });

  it('throw ShapeError for shapes that do not broadcast that way', () => {
    expectError(() => broadcastTo(t([3]), [3, 2]), ShapeError, /^broadcastTo: shapes must be broadcast-compatible, got \[3\] and \[3,2\]$/);
    expectError(() => sumToShape(t([3]), [2, 3]), ShapeError, /^sumToShape: shape \[2,3\] must broadcast to \[3\], got \[2,3\]$/);
  });
});

describe('layerNorm / mseLoss', () => {
  it('normalises each row to zero mean and unit variance', () => {
    const y = layerNorm(new Tensor(Float32Array.from([1, 2, 3, 4, 10, 10, 10, 14]), [2, 4]), { eps: 0 });
    for (let r = 0; r < 2; r++) {
      const row = Array.from(y.data.subarray(r * 4, r * 4 + 4));
      const mu = row.reduce((a, b) => a + b) / 4;
      const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 4;
      expect(Math.abs(mu)).toBeLessThan(1e-6);
      expect(Math.abs(v - 1)).toBeLessThan(1e-5);
    }
  });

  it('throws ShapeError for a mis-shaped weight', () => {
    const w = t([3]);
    expectError(() => layerNorm(t([2, 4]), { weight: w }), ShapeError, /^layerNorm: weight must have shape \[4\] for input \[2,4\], got \[3\]$/);
  });

  it('mseLoss is the mean squared difference', () => {
    const a = new Tensor(Float32Array.from([1, 2, 3]), [3]);
    const b = new Tensor(Float32Array.from([1, 0, 0]), [3]);
    expect(mseLoss(a, b).item()).toBeCloseTo(13 / 3, 6);
    expectError(() => mseLoss(a, t([2])), ShapeError, /^mseLoss: input and target shapes must match, got \[3\] and \[2\]$/);
  });
});
