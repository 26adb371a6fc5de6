/** Column sums of a row-major matrix: the bias gradient of a dense layer. */
import { wasmActive } from './backend.js';
import { wasmColumnSums } from './wasm/elementwise.js';

let acc = new Float64Array(64);

/** `out[j] = sum_i m[i, j]` for `m [rows, n]`; the JS path sums in float64, the WebAssembly one in float32 lanes. */
export function columnSums(m: Float32Array, rows: number, n: number, out: Float32Array): void {
  if (rows * n >= 64 && wasmActive() && wasmColumnSums(m, rows, n, out)) return;
  if (acc.length < n) acc = new Float64Array(n);
  // A local copy: V8 reloads a module-level binding on every loop iteration.
  const sums = acc;
  sums.fill(0, 0, n);
  for (let i = 0; i < rows; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) sums[j] += m[r + j]!;
  }
  for (let j = 0; j < n; j++) out[j] = sums[j]!;
}
