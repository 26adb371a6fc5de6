/**
 * The epilogue of a dense layer and its derivative, as the fused training step (../nn/fused-mlp.ts)
 * uses them: `z += bias` per row then `a = act(z)`, and `g *= act'(z)` through the saved values.
 * The JS loops are the reference; ReLU (and bias alone) run on the WebAssembly kernels when that
 * backend is active. GELU is the exact erf form (torch.nn.GELU()).
 */
import { wasmActive } from './backend.js';
import { erfScalar } from './erf.js';
import { wasmBiasRelu, wasmReluGrad } from './wasm/elementwise.js';

/** Activations the fused path implements: relu, exact (erf) GELU, tanh. */
export type Activation = 'relu' | 'gelu' | 'tanh';

/** Sizes of {@link biasActivation}. */
export interface BiasActivationOptions {
  rows: number;
  n: number;
  /** null: add the bias only (a linear output layer). */
  activation: Activation | null;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * `z [rows, n] += bias [n]` per row, then `a [rows, n] = act(z)` (z keeps the biased
 * pre-activation for the backward pass). ReLU maps NaN to 0, as `z > 0 ? z : 0`.
 */
export function biasActivation(z: Float32Array, a: Float32Array, bias: Float32Array, o: BiasActivationOptions): void {
  const { rows, n, activation } = o;
  if (activation !== 'gelu' && activation !== 'tanh' && wasmActive() && wasmBiasRelu(z, a, bias, rows, n, activation === 'relu')) return;
  for (let i = 0; i < rows; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) z[r + j] += bias[j]!;
  }
  const len = rows * n;
  if (activation === 'relu') {
    for (let i = 0; i < len; i++) a[i] = z[i]! > 0 ? z[i]! : 0;
  } else if (activation === 'tanh') {
    for (let i = 0; i < len; i++) a[i] = Math.tanh(z[i]!);
  } else if (activation === 'gelu') {
    for (let i = 0; i < len; i++) a[i] = 0.5 * z[i]! * (1 + erfScalar(z[i]! * Math.SQRT1_2));
  }
}

/** `g[i] *= act'(z[i])` over `len` values, from the layer's saved output `a` (relu, tanh) or input `z` (gelu). */
export function activationGradInPlace(g: Float32Array, a: Float32Array, z: Float32Array, len: number, activation: Activation): void {
  if (activation === 'relu') {
    if (wasmActive() && wasmReluGrad(g, a, len)) return;
    for (let i = 0; i < len; i++) if (!(a[i]! > 0)) g[i] = 0;
  } else if (activation === 'tanh') {
    for (let i = 0; i < len; i++) g[i] *= 1 - a[i]! * a[i]!;
  } else {
    for (let i = 0; i < len; i++) {
      const v = z[i]!;
      g[i] *= 0.5 * (1 + erfScalar(v * Math.SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    }
  }
}
