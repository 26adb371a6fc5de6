/**
 * Driver of LayerNorm's backward kernel (./layer-norm-grad-kernel.ts), a module of its own so that the
 * runtime, which only normalizes forward, never emits it; false when the heap is full.
 */
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { LAYER_NORM_GRAD_MODULE } from './layer-norm-grad-kernel.js';
import { copyBack, heapFloats, place, reserve, scratchSlot, slot } from './operands.js';

const kernels = wasmEmitter.kernelsOf(LAYER_NORM_GRAD_MODULE);

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
