import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { Tensor, arange, eye, fromArray, full, ones, reshape, zeros } from '../../src/tensor/index.js';
import { expectError } from './expect-error.js';

describe('Tensor', () => {
  it('wraps data with a row-major shape', () => {
    const t = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('throws ShapeError when data length does not match the shape', () => {
    expectError(() => new Tensor(new Float32Array(5), [2, 3]), ShapeError, /^Tensor: data length must equal the size 6 of shape \[2,3\], got 5$/);
  });

  it('throws ShapeError for negative or fractional dims', () => {
    expectError(() => zeros([2, -1]), ShapeError, /^zeros: shape dimensions must be non-negative integers, got \[2,-1\]$/);
    expectError(() => new Tensor(new Float32Array(3), [1.5, 2]), ShapeError, /^Tensor: shape dimensions must be non-negative integers, got \[1\.5,2\]$/);
  });

  it('copies its shape so later edits of the caller array do not change it', () => {
    const shape = [2, 2];
    const t = zeros(shape);
    shape[0] = 7;
    expect(t.shape).toEqual([2, 2]);
  });

  it('item() returns the single element and throws otherwise', () => {
    expect(fromArray(3).item()).toBe(3);
    expectError(() => zeros([2]).item(), ShapeError, /^item: tensor must have exactly one element, got shape \[2\]$/);
  });
});

describe('creation', () => {
  it('zeros, ones, full, eye, arange', () => {
    expect(Array.from(zeros([2]).data)).toEqual([0, 0]);
    expect(Array.from(ones([3]).data)).toEqual([1, 1, 1]);
    expect(Array.from(full([2, 1], 2.5).data)).toEqual([2.5, 2.5]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(Array.from(arange(4).data)).toEqual([0, 1, 2, 3]);
    expect(Array.from(arange(1, 2, 0.25).data)).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Array.from(arange(3, 0, -1).data)).toEqual([3, 2, 1]);
  });

  it('arange throws for a zero step', () => {
    expectError(() => arange(0, 3, 0), ShapeError, /^arange: step must be finite and non-zero/);
  });

  it('fromArray infers shapes from nested arrays and copies typed arrays', () => {
    expect(fromArray([[1, 2], [3, 4], [5, 6]]).shape).toEqual([3, 2]);
    expect(fromArray(7).shape).toEqual([]);
    const src = Float32Array.from([1, 2, 3, 4]);
    const t = fromArray(src, [2, 2]);
    src[0] = 9;
    expect(t.data[0]).toBe(1);
    expect(fromArray([]).shape).toEqual([0]);
  });

  it('fromArray throws ShapeError for ragged arrays and length mismatches', () => {
    expectError(() => fromArray([[1, 2], [3]]), ShapeError, /^fromArray: nested arrays must be rectangular \(length 2 at root\[1\]\), got length 1$/);
    expectError(() => fromArray([1, 2, 3], [2, 2]), ShapeError, /^fromArray: data length must equal the size 4 of shape \[2,2\], got 3$/);
  });
});

describe('reshape', () => {
  it('infers one -1 and shares data', () => {
    const t = arange(6);
    const r = reshape(t, [2, -1]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toBe(t.data);
  });

  it('throws ShapeError for a size mismatch or two -1s', () => {
    expectError(() => reshape(arange(6), [4, 2]), ShapeError, /^reshape: target shape must have size 6 of \[6\], got \[4,2\]$/);
    expectError(() => reshape(arange(6), [-1, -1]), ShapeError, /^reshape: shape must hold non-negative integers and at most one -1, got \[-1,-1\]$/);
    expectError(() => reshape(arange(6), [4, -1]), ShapeError, /^reshape: size 6 of \[6\] must be divisible by the known dims of \[4,-1\], got 4$/);
  });
});
