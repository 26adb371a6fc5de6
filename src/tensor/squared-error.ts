/**
 * Squared reconstruction error, the autoencoder's loss and anomaly score, over an optional column
 * mask (1 = counted). JS loops are the reference (float64 sums); the WebAssembly twins sum rows in
 * float32 lanes.
 */
import { wasmActive } from './backend.js';
import { wasmRowSquaredError, wasmSquaredErrorGrad } from './wasm/elementwise.js';

/** Sizes of {@link squaredErrorGrad} and {@link rowSquaredError}. */
export interface SquaredErrorOptions {
  rows: number;
  /** row length */
  d: number;
  /** `[d]` 1 = column counted, or null for all */
  mask: Uint8Array | null;
}

/**
 * `dy [rows, d] = scale * e` with `e = y - x` on counted columns (0 elsewhere), returning
 * `sum e^2` (the loss before its division by the count).
 */
export function squaredErrorGrad(y: Float32Array, x: Float32Array, dy: Float32Array, o: SquaredErrorOptions & { scale: number }): number {
  const { rows, d, mask, scale } = o;
  const sum = wasmActive() ? wasmSquaredErrorGrad(y, x, dy, rows, d, mask, scale) : null;
  if (sum !== null) return sum;
  let sq = 0;
  for (let i = 0; i < rows; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) {
      const e = mask === null || mask[j] === 1 ? y[r + j]! - x[r + j]! : 0;
      sq += e * e;
      dy[r + j] = scale * e;
    }
  }
  return sq;
}

/**
 * `out[i] = sum over counted j of (y[i, j] - x[i, j])^2 / count` for `[rows, d]` inputs (the
 * autoencoder's score). A float64 `out` takes the JS loop.
 */
export function rowSquaredError(y: Float32Array, x: Float32Array, out: Float32Array | Float64Array, o: SquaredErrorOptions & { count: number }): void {
  const { rows, d, mask, count } = o;
  if (out instanceof Float32Array && wasmActive() && wasmRowSquaredError(y, x, out, rows, d, mask, 1 / count)) return;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      if (mask !== null && mask[j] === 0) continue;
      const e = y[i * d + j]! - x[i * d + j]!;
      s += e * e;
    }
    out[i] = s / count;
  }
}
