/**
 * Drivers of the elementwise WebAssembly kernels (./elementwise-kernel.ts): operands placed by
 * ./operands.ts, each returning false when the heap is full so the caller takes the JS twin.
 */
import { ELEMENTWISE_MODULE } from './elementwise-kernel.js';
import { heapFloat32 } from './heap.js';
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { copyBack, place, reserve, slot } from './operands.js';

const kernels = wasmEmitter.kernelsOf(ELEMENTWISE_MODULE);

/** z[i, :] += bias and, when `relu`, a = max(z, 0), for `rows` rows of `n`. */
export function wasmBiasRelu(z: Float32Array, a: Float32Array, bias: Float32Array, rows: number, n: number, relu: boolean): boolean {
  const len = rows * n;
  if (!reserve(slot(z, len) + (relu ? slot(a, len) : 0) + slot(bias, n))) return false;
  const zp = place(z, 0, len, true);
  const ap = relu ? place(a, 0, len, false) : 0;
  const bp = place(bias, 0, n, true);
  kernels()['bias_relu']!(zp, ap, bp, rows, n, relu ? 1 : 0);
  copyBack(z, 0, len, zp);
  if (relu) copyBack(a, 0, len, ap);
  return true;
}

/** g[i] = a[i] > 0 ? g[i] : 0 over `len` values. */
export function wasmReluGrad(g: Float32Array, a: Float32Array, len: number): boolean {
  if (!reserve(slot(g, len) + slot(a, len))) return false;
  const gp = place(g, 0, len, true);
  kernels()['relu_grad']!(gp, place(a, 0, len, true), len);
  copyBack(g, 0, len, gp);
  return true;
}

/** out[j] = sum_i m[i, j]. */
export function wasmColumnSums(m: Float32Array, rows: number, n: number, out: Float32Array): boolean {
  if (!reserve(slot(m, rows * n) + slot(out, n))) return false;
  const op = place(out, 0, n, false);
  kernels()['col_sums']!(place(m, 0, rows * n, true), rows, n, op);
  copyBack(out, 0, n, op);
  return true;
}

/** The `[d]` float mask (1 = counted) of a 0/1 byte mask, or all ones; cached in the heap. */
const masks = new WeakMap<Uint8Array, Float32Array>();
const ones = new Map<number, Float32Array>();
function floatMask(mask: Uint8Array | null, d: number): Float32Array {
  if (mask === null) {
    let m = ones.get(d);
    if (m === undefined) ones.set(d, (m = heapFloat32(d).fill(1)));
    return m;
  }
  let m = masks.get(mask);
  if (m === undefined) {
    m = heapFloat32(d);
    for (let j = 0; j < d; j++) m[j] = mask[j]!;
    masks.set(mask, m);
  }
  return m;
}

/** dy = scale (y - x) masked, returning sum of squared masked errors; null when the heap is full. */
export function wasmSquaredErrorGrad(y: Float32Array, x: Float32Array, dy: Float32Array, rows: number, d: number, mask: Uint8Array | null, scale: number): number | null {
  const len = rows * d;
  const fm = floatMask(mask, d);
  if (!reserve(slot(y, len) + slot(x, len) + slot(dy, len) + slot(fm, d))) return null;
  const dyp = place(dy, 0, len, false);
  const sq = kernels()['sq_err_grad']!(place(y, 0, len, true), place(x, 0, len, true), dyp, rows, d, place(fm, 0, d, true), scale);
  copyBack(dy, 0, len, dyp);
  return sq;
}

/** out[i] = invCount * masked sum of (y - x)^2 over row i. */
export function wasmRowSquaredError(y: Float32Array, x: Float32Array, out: Float32Array, rows: number, d: number, mask: Uint8Array | null, invCount: number): boolean {
  const len = rows * d;
  const fm = floatMask(mask, d);
  if (!reserve(slot(y, len) + slot(x, len) + slot(out, rows) + slot(fm, d))) return false;
  const op = place(out, 0, rows, false);
  kernels()['row_sq_err']!(place(y, 0, len, true), place(x, 0, len, true), op, rows, d, place(fm, 0, d, true), invCount);
  copyBack(out, 0, rows, op);
  return true;
}

/** Adam's update over `w`, `g`, `m`, `v` (see ../adam-update.ts for the arguments). */
export function wasmAdam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: readonly number[]): boolean {
  const len = w.length;
  if (!reserve(slot(w, len) + slot(g, len) + slot(m, len) + slot(v, len))) return false;
  const wp = place(w, 0, len, true);
  const mp = place(m, 0, len, true);
  const vp = place(v, 0, len, true);
  kernels()['adam']!(wp, place(g, 0, len, true), mp, vp, len, h[0]!, h[1]!, 1 - h[0]!, 1 - h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!);
  copyBack(w, 0, len, wp);
  copyBack(m, 0, len, mp);
  copyBack(v, 0, len, vp);
  return true;
}
