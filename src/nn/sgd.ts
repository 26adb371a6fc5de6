/** Stochastic gradient descent with momentum, as torch.optim.SGD (1.13). */
import { InvalidOptionError } from '../errors.js';
import type { Var } from '../autograd/index.js';
import { Optimizer, stateLike } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  /** Default 0 (plain SGD, no buffer). */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient, default 0. */
  weightDecay?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/**
 * Per parameter, with `t` counting that parameter's steps from 1:
 * `g = grad + wd p`; `buf = g` at t = 1, else `buf = momentum buf + (1 - dampening) g`;
 * `d = g + momentum buf` (nesterov) or `d = buf`; `p = p - lr d`. With momentum 0, `d = g`.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buf: Float32Array[];
  private readonly steps: Int32Array;

  /** @throws InvalidOptionError for out-of-range hyperparameters or nesterov without momentum / with dampening */
  constructor(params: Iterable<Var>, options: SGDOptions) {
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
    super(params, { lr, momentum, dampening, weightDecay });
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new InvalidOptionError(`SGD: nesterov must have momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${dampening}`, 'nesterov');
    }
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.buf = momentum > 0 ? stateLike(this.params) : [];
    this.steps = new Int32Array(this.params.length);
  }

  step(): void {
    const { lr, momentum, weightDecay: wd, nesterov } = this;
    const keep = 1 - this.dampening;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k]!;
      if (p.grad === undefined) continue;
      const first = this.steps[k]++ === 0;
      const w = p.data, g = p.grad.data;
      if (momentum === 0) {
        for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i]! + wd * w[i]!);
        continue;
      }
      const b = this.buf[k]!;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]! + wd * w[i]!;
        const bi = first ? gi : momentum * b[i]! + keep * gi;
        b[i] = bi;
        w[i] -= lr * (nesterov ? gi + momentum * bi : bi);
      }
    }
  }
}
