/**
 * The activations dadm's dense networks put between layers, as one name union and one elementwise
 * kernel: every MLP forward pass (training, inference, explanations) applies them through here.
 */
import { erfScalar } from './erf.js';

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
