/** Drivers of the row-normalization kernels (./normalize-kernel.ts); false when the heap is full. */
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { NORMALIZE_MODULE } from './normalize-kernel.js';
import { copyBack, heapFloats, place, reserve, scratchSlot, slot } from './operands.js';

const kernels = wasmEmitter.kernelsOf(NORMALIZE_MODULE);

/** One LayerNorm call over `rows` contiguous rows of `n`. */
export interface LayerNormRun {
  x: Float32Array;
  y: Float32Array;
  gamma: Float32Array | undefined;
  beta: Float32Array | undefined;
  rows: number;
  n: number;
  eps: number;
  /** `[rows]` outputs when given: each row's mean and 1 / sqrt(var + eps) */
  mean: Float32Array | Float64Array | undefined;
  rstd: Float32Array | Float64Array | undefined;
}

export function wasmLayerNorm(r: LayerNormRun): boolean {
  const { rows, n } = r;
  const len = rows * n;
  const none = new Float32Array(0);
  const gamma = r.gamma ?? none, beta = r.beta ?? none;
  if (!reserve(slot(r.x, len) + slot(r.y, len) + slot(gamma, n) + slot(beta, n) + 2 * (Math.ceil((8 * rows) / 64) * 64))) return false;
  const x = place(r.x, 0, len, true);
  const y = place(r.y, 0, len, false);
  const g = r.gamma ? place(gamma, 0, n, true) : 0;
  const b = r.beta ? place(beta, 0, n, true) : 0;
  const mean = scratchSlot(8 * rows), rstd = scratchSlot(8 * rows);
  kernels()['layer_norm']!(x, y, g, b, rows, n, r.eps, mean, rstd, (r.gamma ? 1 : 0) | (r.beta ? 2 : 0));
  copyBack(r.y, 0, len, y);
  const heap = heapFloats();
  r.mean?.set(new Float64Array(heap.buffer, mean, rows));
  r.rstd?.set(new Float64Array(heap.buffer, rstd, rows));
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
