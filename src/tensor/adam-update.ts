/**
 * One Adam/AdamW step over one parameter's buffers (Kingma & Ba 2015,
 * https://arxiv.org/abs/1412.6980; the optimizer and its hyperparameter checks are ../nn/adam.ts).
 * The JS loop rounds each float64 step to the float32 state; the WebAssembly twin computes in
 * float32 as torch.optim.Adam does.
 */
import { wasmActive } from './backend.js';
import { wasmAdam } from './wasm/elementwise.js';

/** The step's scalars, bias corrections already applied. */
export interface AdamStep {
  beta1: number;
  beta2: number;
  /** lr / (1 - beta1^t) */
  stepSize: number;
  /** sqrt(1 - beta2^t) */
  rootBc2: number;
  eps: number;
  /** weight decay added to the gradient (Adam), 0 for AdamW */
  l2: number;
  /** 1 - lr * weightDecay (AdamW's decoupled decay), 1 for Adam */
  shrink: number;
}

const scalars = new Array<number>(7);

/**
 * In place over `w`, `m`, `v` (all `[len]`, `g` the gradient): `w' = w shrink`; `g' = g + l2 w'`;
 * `m = b1 m + (1 - b1) g'`; `v = b2 v + (1 - b2) g'^2`; `w = w' - stepSize m / (sqrt(v) / rootBc2 + eps)`.
 */
export function adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void {
  const { beta1: b1, beta2: b2, stepSize, rootBc2, eps, l2, shrink } = s;
  if (wasmActive() && w.length >= 16) {
    scalars[0] = b1; scalars[1] = b2; scalars[2] = stepSize; scalars[3] = rootBc2; scalars[4] = eps; scalars[5] = l2; scalars[6] = shrink;
    if (wasmAdam(w, g, m, v, scalars)) return;
  }
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]! * shrink;
    const gi = g[i]! + l2 * wi;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = wi - (stepSize * mi) / (Math.sqrt(vi) / rootBc2 + eps);
  }
}
