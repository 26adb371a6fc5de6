/** Drivers of the row-normalization kernels (./normalize-kernel.ts); false when the heap is full. */
import { kernelsOf } from './kernels.js';
import { NORMALIZE_MODULE } from './normalize-kernel.js';
import { copyBack, heapFloats, place, reserve, scratchSlot, slot } from './operands.js';

const kernels = kernelsOf(NORMALIZE_MODULE);

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

/** One LayerNorm backward over `rows` rows of `n` (../../autograd/grad-kernels.ts layerNormGradInto). */
export interface LayerNormGradRun {
  g: Float32Array;
  x: Float32Array;
  weight: Float32Array | undefined;
  mean: Float64Array;
  rstd: Float64Array;
  rows: number;
  n: number;
  /** `[rows, n]` written */
  dx: Float32Array;
  /** `[n]` added to */
  dWeight: Float64Array;
  dBias: Float64Array;
}

export function wasmLayerNormGrad(r: LayerNormGradRun): boolean {
  const { rows, n } = r;
  const len = rows * n;
  const weight = r.weight ?? new Float32Array(0);
  const statBytes = Math.ceil((8 * rows) / 64) * 64, sumBytes = Math.ceil((4 * n) / 64) * 64;
  if (!reserve(slot(r.g, len) + slot(r.x, len) + slot(weight, n) + slot(r.dx, len) + 2 * statBytes + 2 * sumBytes)) return false;
  const g = place(r.g, 0, len, true);
  const x = place(r.x, 0, len, true);
  const w = r.weight ? place(weight, 0, n, true) : 0;
  const dx = place(r.dx, 0, len, false);
  const mean = scratchSlot(statBytes), rstd = scratchSlot(statBytes), dw = scratchSlot(sumBytes), db = scratchSlot(sumBytes);
  const heap = heapFloats();
  new Float64Array(heap.buffer, mean, rows).set(r.mean.subarray(0, rows));
  new Float64Array(heap.buffer, rstd, rows).set(r.rstd.subarray(0, rows));
  heap.fill(0, dw >> 2, (dw >> 2) + n);
  heap.fill(0, db >> 2, (db >> 2) + n);
  kernels()['layer_norm_grad']!(g, x, w, mean, rstd, dx, dw, db, rows, n, r.weight ? 1 : 0);
  copyBack(r.dx, 0, len, dx);
  for (let j = 0; j < n; j++) {
    r.dWeight[j] += heap[(dw >> 2) + j]!;
    r.dBias[j] += heap[(db >> 2) + j]!;
  }
  return true;
}
