import { describe, expect, it } from 'vitest';
import * as A from '../../src/autograd/index.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { Tensor, fromArray } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';

const leaf = (v: number[], shape = [v.length]): A.Var => new A.Var(fromArray(v, shape), { requiresGrad: true });

describe('backward', () => {
  it('accumulates gradients across calls and along fan-out', () => {
    const x = leaf([1, 2, 3]);
    // y = sum(x * x + x): dy/dx = 2x + 1, and x feeds three edges.
    const y = A.sum(A.add(A.mul(x, x), x));
    A.backward(y);
    expect(Array.from(x.grad!.data)).toEqual([3, 5, 7]);
    A.backward(A.sum(A.mul(x, x)));
    expect(Array.from(x.grad!.data)).toEqual([5, 9, 13]);
  });

  it('gives each leaf its own buffer even when a rule returns the same tensor twice', () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    A.backward(A.sum(A.add(a, b)));
    expect(a.grad).not.toBe(b.grad);
    a.grad!.data[0] = 100;
    expect(b.grad!.data[0]).toBe(1);
  });

  it('uses an explicit upstream gradient for a non-scalar root', () => {
    const x = leaf([1, 2, 3]);
    A.backward(A.scale(x, 2), fromArray([1, 0, -1]));
    expect(Array.from(x.grad!.data)).toEqual([2, 0, -2]);
  });

  it('throws ShapeError for a non-scalar root without upstream gradient', () => {
    const x = leaf([1, 2]);
    expectError(() => A.backward(A.neg(x)), ShapeError, /^backward: root must have one element when no upstream gradient is given, got \[2\]$/);
  });

  it('throws ShapeError when the upstream shape differs from the root', () => {
    const x = leaf([1, 2]);
    expectError(() => A.backward(A.neg(x), fromArray([1, 2, 3])), ShapeError, /^backward: upstream gradient shape must match the root's \[2\], got \[3\]$/);
  });

  it('throws UsageError when the root does not require gradients', () => {
    const c = new A.Var(fromArray([1]));
    expectError(() => A.backward(A.neg(c)), UsageError, /^backward: root must require gradients/);
  });

  it('does not give constants gradients', () => {
    const x = leaf([1, 2]);
    const c = new A.Var(fromArray([5, 6]));
    A.backward(A.sum(A.mul(x, c)));
    expect(c.grad).toBeUndefined();
    expect(Array.from(x.grad!.data)).toEqual([5, 6]);
  });
});

describe('noGrad / detach / zeroGrad', () => {
  it('noGrad records no graph and restores recording afterwards', () => {
    const x = leaf([1, 2]);
    const y = A.noGrad(() => A.mul(x, x));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeUndefined();
    expect(A.isGradEnabled()).toBe(true);
    expect(A.mul(x, x).requiresGrad).toBe(true);
  });

  it('noGrad restores recording when its function throws', () => {
    expectError(() => A.noGrad(() => { throw new Error('boom'); }), Error, /^boom$/);
    expect(A.isGradEnabled()).toBe(true);
  });

  it('detach stops the gradient', () => {
    const x = leaf([2, 3]);
    // d/dx sum(x * detach(x)) = detach(x)
    A.backward(A.sum(A.mul(x, A.detach(x))));
    expect(Array.from(x.grad!.data)).toEqual([2, 3]);
  });

  it('zeroGrad clears gradients', () => {
    const x = leaf([1]);
    A.backward(A.sum(x));
    A.zeroGrad([x]);
    expect(x.grad).toBeUndefined();
  });
});

describe('linear', () => {
  it('matches x W^T + b on a hand-computed example', () => {
    const x = leaf([1, 2], [1, 2]);
    const w = leaf([1, 0, 1, 1, -1, 2], [3, 2]);
    const b = leaf([0.5, 0, -1], [3]);
    const y = A.linear(x, w, b);
    expect(Array.from(y.data)).toEqual([1.5, 3, 2]);
    A.backward(A.sum(y));
    expect(Array.from(x.grad!.data)).toEqual([1, 3]);
    expect(Array.from(w.grad!.data)).toEqual([1, 2, 1, 2, 1, 2]);
    expect(Array.from(b.grad!.data)).toEqual([1, 1, 1]);
  });

  it('throws ShapeError naming linear when in-features differ', () => {
    const x = new A.Var(new Tensor(new Float32Array(6), [2, 3]));
    const w = new A.Var(new Tensor(new Float32Array(8), [4, 2]));
    expectError(() => A.linear(x, w), ShapeError, /^linear: input last dim must equal weight \[out, in\]'s in, got \[2,3\] and \[4,2\]$/);
  });
});

describe('mseLoss', () => {
  it('throws ShapeError when shapes differ', () => {
    expectError(() => A.mseLoss(leaf([1, 2]), leaf([1, 2, 3])), ShapeError, /^mseLoss: input and target shapes must match, got \[2\] and \[3\]$/);
  });
});
