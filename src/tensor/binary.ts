/**
 * Elementwise binary ops with NumPy broadcasting. Each op is a run kernel (a plain loop over one
 * contiguous-or-strided run) plugged into the shared template in broadcast.ts.
 */
import { broadcastShapes, forEachRun, planBroadcast } from './broadcast.js';
import { sameShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/** out[o+i] = f(a[ai + i*as], b[bi + i*bs]) for i < n. */
export type BinaryRun = (
  a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number,
  out: Float32Array, o: number, n: number,
) => void;

/** Applies `run` over the broadcast of `a` and `b`. @throws ShapeError when shapes are incompatible */
export function broadcastBinary(op: string, a: Tensor, b: Tensor, run: BinaryRun): Tensor {
  if (sameShape(a.shape, b.shape)) {
    const out = new Float32Array(a.size);
    run(a.data, 0, 1, b.data, 0, 1, out, 0, a.size);
    return new Tensor(out, a.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = new Float32Array(sizeOf(shape));
  if (b.size === 1 && b.shape.length <= a.shape.length) {
    run(a.data, 0, 1, b.data, 0, 0, out, 0, out.length);
  } else if (a.size === 1 && a.shape.length <= b.shape.length) {
    run(a.data, 0, 0, b.data, 0, 1, out, 0, out.length);
  } else if (out.length > 0) {
    const plan = planBroadcast(shape, [a.shape, b.shape]);
    const n = plan.dims[plan.dims.length - 1]!;
    const as = plan.strides[0]![plan.dims.length - 1]!;
    const bs = plan.strides[1]![plan.dims.length - 1]!;
    forEachRun(plan, (off, o) => run(a.data, off[0]!, as, b.data, off[1]!, bs, out, o, n));
  }
  return new Tensor(out, shape);
}

const addRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as]! + b[bi + i * bs]!;
};
const subRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as]! - b[bi + i * bs]!;
};
const mulRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as]! * b[bi + i * bs]!;
};
const divRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as]! / b[bi + i * bs]!;
};
const maximumRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = Math.max(a[ai + i * as]!, b[bi + i * bs]!);
};
const minimumRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = Math.min(a[ai + i * as]!, b[bi + i * bs]!);
};
const greaterRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as]! > b[bi + i * bs]! ? 1 : 0;
};
const lessRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as]! < b[bi + i * bs]! ? 1 : 0;
};

/** `a + b` with broadcasting. @throws ShapeError for incompatible shapes */
export const add = (a: Tensor, b: Tensor): Tensor => broadcastBinary('add', a, b, addRun);
/** `a - b` with broadcasting. @throws ShapeError for incompatible shapes */
export const sub = (a: Tensor, b: Tensor): Tensor => broadcastBinary('sub', a, b, subRun);
/** `a * b` with broadcasting. @throws ShapeError for incompatible shapes */
export const mul = (a: Tensor, b: Tensor): Tensor => broadcastBinary('mul', a, b, mulRun);
/** `a / b` with broadcasting. @throws ShapeError for incompatible shapes */
export const div = (a: Tensor, b: Tensor): Tensor => broadcastBinary('div', a, b, divRun);
/** Elementwise `max(a, b)` with broadcasting (NaN propagates). */
export const maximum = (a: Tensor, b: Tensor): Tensor => broadcastBinary('maximum', a, b, maximumRun);
/** Elementwise `min(a, b)` with broadcasting (NaN propagates). */
export const minimum = (a: Tensor, b: Tensor): Tensor => broadcastBinary('minimum', a, b, minimumRun);
/** 1 where `a > b`, else 0, with broadcasting. */
export const greater = (a: Tensor, b: Tensor): Tensor => broadcastBinary('greater', a, b, greaterRun);
/** 1 where `a < b`, else 0, with broadcasting. */
export const less = (a: Tensor, b: Tensor): Tensor => broadcastBinary('less', a, b, lessRun);
