/** Numerically stable softmax and log-softmax along one axis (max subtracted before exp). */
import { wasmActive } from './backend.js';
import { normalizeAxis, splitAt } from './shape.js';
import { Tensor } from './tensor.js';
// A namespace: the runtime bundle loads the WebAssembly drivers on their first use (./wasm/neural.ts).
import * as wasmNeural from './wasm/neural.js';

/**
 * Layout of {@link softmaxInto}: the data is viewed as [outer, len, inner] row-major and each of the
 * `outer * inner` lines of `len` values (stride `inner`) is normalised on its own.
 */
export interface SoftmaxLayout {
  outer: number;
  len: number;
  inner: number;
  /** Write log-softmax `x - log(sum(exp(x)))` instead of softmax. */
  log: boolean;
}

/**
 * Writes softmax (or log-softmax) of `x` into the preallocated `out` (same length, either float
 * width; float64 data is computed in float64). Shared by {@link softmax} and the ONNX runtime's
 * Softmax/LogSoftmax. Trusts its caller (no validation).
 */
export function softmaxInto(x: Float32Array | Float64Array, out: Float32Array | Float64Array, layout: SoftmaxLayout): void {
  const { outer, len, inner, log } = layout;
  // Contiguous float32 softmax runs on the wasm backend's twin (./wasm/normalize-kernel.ts).
  if (inner === 1 && !log && len >= 4 && x instanceof Float32Array && out instanceof Float32Array && wasmActive() && wasmNeural.wasmSoftmax(x, out, outer, len)) return;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let mx = -Infinity;
      for (let j = 0; j < len; j++) mx = Math.max(mx, x[base + j * inner]!);
      let s = 0;
      for (let j = 0; j < len; j++) s += Math.exp(x[base + j * inner]! - mx);
      if (log) {
        const lse = mx + Math.log(s);
        for (let j = 0; j < len; j++) out[base + j * inner] = x[base + j * inner]! - lse;
      } else {
        const inv = 1 / s;
        for (let j = 0; j < len; j++) out[base + j * inner] = Math.exp(x[base + j * inner]! - mx) * inv;
      }
    }
  }
}

function softmaxImpl(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  const ax = normalizeAxis(op, axis, x.shape);
  const out = new Float32Array(x.size);
  softmaxInto(x.data, out, { ...splitAt(x.shape, ax), log });
  return new Tensor(out, x.shape);
}

/** `exp(x) / sum(exp(x))` along `axis` (default last). @throws ShapeError for a bad axis */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxImpl('softmax', x, axis, false);
}

/** `x - log(sum(exp(x)))` along `axis` (default last). @throws ShapeError for a bad axis */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxImpl('logSoftmax', x, axis, true);
}
