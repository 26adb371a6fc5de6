/** Differentiable reductions, matmul and shape ops. */
import * as T from '../tensor/index.js';
import { type Var, record } from './variable.js';
import { scale } from './ops-elementwise.js';

/** Sum over `axis` (or everything, giving a 0-d result). */
export function sum(x: Var, options: T.ReduceOptions = {}): Var {
  const axis = options.axis === undefined || options.axis === null ? null : T.normalizeAxis('sum', options.axis, x.shape);
  const keepDims = options.keepDims ?? false;
  return record('sum', [x], T.sum(x.value, { axis, keepDims }), { axis, keepDims });
}

/** Mean over `axis` (or everything): `sum / count`, a composite of `sum` and `scale`. */
export function mean(x: Var, options: T.ReduceOptions = {}): Var {
  const axis = options.axis === undefined || options.axis === null ? null : T.normalizeAxis('mean', options.axis, x.shape);
  const count = axis === null ? x.size : x.shape[axis]!;
  return scale(sum(x, { axis, keepDims: options.keepDims ?? false }), 1 / count);
}

/** Max over `axis` (or everything); the gradient flows to the (first) argmax only. */
export function max(x: Var, options: T.ReduceOptions = {}): Var {
  const axis = options.axis === undefined || options.axis === null ? null : T.normalizeAxis('max', options.axis, x.shape);
  const keepDims = options.keepDims ?? false;
  const { values, indices } = T.maxWithIndices(x.value, { axis, keepDims });
  return record('max', [x], values, { axis, keepDims, indices });
}

/** `a [..., m, k] · b [..., k, n]` with broadcast batch dims. */
export function matmul(a: Var, b: Var): Var {
  return record('matmul', [a, b], T.matmul(a.value, b.value), {});
}

/** Reorders axes: output axis i is input axis `perm[i]`. */
export function permute(x: Var, perm: readonly number[]): Var {
  const value = T.permute(x.value, perm);
  const rank = x.shape.length;
  return record('permute', [x], value, { perm: perm.map((p) => (p < 0 ? p + rank : p)) });
}

/** Swaps two axes (default the last two). */
export function transpose(x: Var, axis0 = -2, axis1 = -1): Var {
  const a0 = T.normalizeAxis('transpose', axis0, x.shape);
  const a1 = T.normalizeAxis('transpose', axis1, x.shape);
  const perm = x.shape.map((_, i) => i);
  perm[a0] = a1;
  perm[a1] = a0;
  return permute(x, perm);
}

/** Row-major reshape (one dim may be -1). */
export function reshape(x: Var, shape: readonly number[]): Var {
  return record('reshape', [x], T.reshape(x.value, shape), {});
}

/** Concatenation along `axis`. */
export function concat(xs: readonly Var[], axis = 0): Var {
  const value = T.concat(xs.map((v) => v.value), axis);
  return record('concat', xs, value, { axis: T.normalizeAxis('concat', axis, xs[0]!.shape) });
}

/** Strided slice along one axis. */
export function slice(x: Var, options: T.SliceOptions): Var {
  const value = T.slice(x.value, options);
  const axis = T.normalizeAxis('slice', options.axis, x.shape);
  const { start, step } = T.resolveSlice(x.shape[axis]!, options);
  return record('slice', [x], value, { axis, start, step });
}
