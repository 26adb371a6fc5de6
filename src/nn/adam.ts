/**
 * Adam (Kingma & Ba 2015, https://arxiv.org/abs/1412.6980) and AdamW (Loshchilov & Hutter 2019,
 * https://arxiv.org/abs/1711.05101), following torch.optim.Adam / AdamW 1.13 (amsgrad off).
 */
import type { Var } from '../autograd/index.js';
import { adamUpdate, kernelBuffer, type AdamStep } from '../tensor/index.js';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  /** Default 1e-3. */
  lr?: number;
  /** `[beta1, beta2]`, default `[0.9, 0.999]`. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Default 0 for Adam (L2 added to the gradient), 0.01 for AdamW (decoupled), as torch. */
  weightDecay?: number;
}

/**
 * Per parameter, with `t` counting its steps from 1 and `m`, `v` starting at 0:
 * `g = grad + wd p`; `m = b1 m + (1-b1) g`; `v = b2 v + (1-b2) g^2`;
 * `p = p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: decay `p *= 1 - lr wd` before the update instead of adding `wd p` to the gradient. */
  protected readonly decoupled: boolean = false;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly steps: Int32Array;
  private readonly scalars: AdamStep = { beta1: 0, beta2: 0, stepSize: 0, rootBc2: 1, eps: 0, l2: 0, shrink: 1 };

  /** @throws InvalidOptionError for lr/eps/weightDecay < 0 or betas outside [0, 1) */
  constructor(params: Iterable<Var>, options: AdamOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options;
    super(params, { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay });
    this.beta1 = betas[0];
    this.beta2 = betas[1];
    this.eps = eps;
    this.weightDecay = weightDecay;
    // In the kernel heap under the wasm backend, so the update reads its state in place.
    this.m = this.params.map((p) => kernelBuffer(p.size));
    this.v = this.params.map((p) => kernelBuffer(p.size));
    this.steps = new Int32Array(this.params.length);
  }

  step(): void {
    const s = this.scalars;
    s.beta1 = this.beta1;
    s.beta2 = this.beta2;
    s.eps = this.eps;
    s.l2 = this.decoupled ? 0 : this.weightDecay;
    s.shrink = this.decoupled ? 1 - this.lr * this.weightDecay : 1;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k]!;
      if (p.grad === undefined) continue;
      const t = ++this.steps[k]!;
      s.stepSize = this.lr / (1 - Math.pow(this.beta1, t));
      s.rootBc2 = Math.sqrt(1 - Math.pow(this.beta2, t));
      adamUpdate(p.data, p.grad.data, this.m[k]!, this.v[k]!, s);
    }
  }
}

/** AdamW: Adam with decoupled weight decay, `p = p (1 - lr wd)` first, then the Adam update with `g = grad`. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Iterable<Var>, options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 0.01 });
  }
}
