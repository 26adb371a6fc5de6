/**
 * The epilogue of a dense layer: `z += bias` per row, then `a = act(z)` through the one activation
 * kernel (./activation.ts). ReLU (and bias alone) run on the WebAssembly kernel when that backend is
 * active; the JS loops are the reference.
 */
import { activateInto, type Activation } from './activation.js';
import { wasmActive } from './backend.js';
import { wasmBiasRelu } from './wasm/elementwise.js';

/** Sizes of {@link biasActivation}. */
export interface BiasActivationOptions {
  rows: number;
  n: number;
  /** null: add the bias only (a linear output layer). */
  activation: Activation | null;
}

/**
 * `z [rows, n] += bias [n]` per row, then `a [rows, n] = act(z)` (z keeps the biased
 * pre-activation for the backward pass; `a` may be `z` when `activation` is null).
 */
export function biasActivation(z: Float32Array, a: Float32Array, bias: Float32Array, o: BiasActivationOptions): void {
  const { rows, n, activation } = o;
  if ((activation === null || activation === 'relu') && wasmActive() && wasmBiasRelu(z, a, bias, rows, n, activation === 'relu')) return;
  for (let i = 0; i < rows; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) z[r + j] += bias[j]!;
  }
  if (activation !== null) activateInto(activation, z.subarray(0, rows * n), a.subarray(0, rows * n));
}
