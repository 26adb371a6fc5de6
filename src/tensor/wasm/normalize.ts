/** Drivers of the row-normalization kernels (./normalize-kernel.ts); false when the heap is full. */
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { NORMALIZE_MODULE } from './normalize-kernel.js';
import { copyBack, copyDoublesBack, place, reserve, scratchSlot, slot } from './operands.js';

const kernels = wasmEmitter.kernelsOf(NORMALIZE_MODULE);

/**
 * One LayerNorm call over `rows` contiguous rows of `width`, in the field names of ../layer-norm.ts
 * `LayerNormRows` so a plan's argument object is passed as it is (a call allocates nothing).
 */
export interface LayerNormRun {
  x: Float32Array;
  out: Float32Array;
  weight?: Float32Array | undefined;
  bias?: Float32Array | undefined;
  rows: number;
  width: number;
  eps: number;
  /** `[rows]` outputs when given: each row's mean and 1 / sqrt(var + eps) */
  mean?: Float32Array | Float64Array | undefined;
  rstd?: Float32Array | Float64Array | undefined;
}

const NONE = new Float32Array(0);

export function wasmLayerNorm(r: LayerNormRun): boolean {
  const { rows, width: n } = r;
  const len = rows * n;
  const gamma = r.weight ?? NONE, beta = r.bias ?? NONE;
  if (!reserve(slot(r.x, len) + slot(r.out, len) + slot(gamma, n) + slot(beta, n) + 2 * (Math.ceil((8 * rows) / 64) * 64))) return false;
  const x = place(r.x, 0, len, true);
  const y = place(r.out, 0, len, false);
  const g = r.weight ? place(gamma, 0, n, true) : 0;
  const b = r.bias ? place(beta, 0, n, true) : 0;
  const mean = scratchSlot(8 * rows), rstd = scratchSlot(8 * rows);
  kernels()['layer_norm']!(x, y, g, b, rows, n, r.eps, mean, rstd, (r.weight ? 1 : 0) | (r.bias ? 2 : 0));
  copyBack(r.out, 0, len, y);
  if (r.mean !== undefined) copyDoublesBack(r.mean, rows, mean);
  if (r.rstd !== undefined) copyDoublesBack(r.rstd, rows, rstd);
  return true;
}

/** Softmax of `rows` contiguous rows of `n` from `x` into `y`. */
export function wasmSoftmax(xs: Float32Array, ys: Float32Array, rows: number, n: number): boolean {
  const len = rows * n;
  if (!reserve(slot(xs, len) + slot(ys, len))) return false;
  const x = place(xs, 0, len, true);
  const y = place(ys, 0, len, false);
  kernels()['softmax']!(x, y, rows, n);
  copyBack(ys, 0, len, y);
  return true;
}
