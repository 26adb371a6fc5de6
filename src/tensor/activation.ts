/**
 * The activations dadm's dense networks put between layers, as one name union and one elementwise
 * kernel: every MLP forward pass (training, inference, explanations) applies them through here,
 * and the derivative the fused training step (../nn/fused-mlp.ts) masks its gradients with.
 */
import { wasmActive } from './backend.js';
import { erfScalar } from './erf.js';
import { wasmReluGrad } from './wasm/elementwise.js';

/** Activation names, in the order messages list them: ReLU, exact (erf) GELU as PyTorch's default, tanh. */
export const ACTIVATIONS = ['relu', 'gelu', 'tanh'] as const;

/** An activation between dense layers. */
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * `out[i] = act(x[i])` for every `i < out.length` (pass subarrays for a prefix); `out` may be `x`
 * (in place). ReLU maps NaN and -0 to 0, as `x > 0 ? x : 0`; GELU is `0.5 x (1 + erf(x / sqrt 2))`.
 * Trusts its caller.
 */
export function activateInto(activation: Activation, x: Float32Array | Float64Array, out: Float32Array | Float64Array): void {
  const n = out.length;
  if (activation === 'relu') {
    for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
  } else if (activation === 'tanh') {
    for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
  } else {
    for (let i = 0; i < n; i++) out[i] = 0.5 * x[i]! * (1 + erfScalar(x[i]! * Math.SQRT1_2));
  }
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * `g[i] *= act'(z[i])` over `len` values, from the layer's saved output `a` (relu, tanh) or input `z`
 * (gelu). ReLU runs on the WebAssembly kernel when that backend is active.
 */
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
