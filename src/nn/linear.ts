/** Fully connected layer `y = x W^T + b` with PyTorch's default initialisation. */
import { InvalidOptionError } from '../errors.js';
import { type Random, Tensor } from '../tensor/index.js';
import { type Var, linear } from '../autograd/index.js';
import { Module } from './module.js';

export interface LinearOptions {
  /** Add a learned bias `[out]` (default true). */
  bias?: boolean;
}

/**
 * `Linear(inFeatures, outFeatures)`: `x [..., in] -> x W^T + b [..., out]` with `weight [out, in]`
 * and `bias [out]` (state-dict names `weight`, `bias`).
 *
 * Initialisation follows torch.nn.Linear.reset_parameters (PyTorch 1.13,
 * https://github.com/pytorch/pytorch/blob/v1.13.0/torch/nn/modules/linear.py): the weight is
 * `kaiming_uniform_(a = sqrt(5))`, whose bound `gain * sqrt(3 / fan_in)` with
 * `gain = sqrt(2 / (1 + a^2)) = sqrt(1/3)` is exactly `1 / sqrt(fan_in)`; the bias is
 * `uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))`. Both are drawn from `rng`, weight (row-major) first.
 * The values differ from torch's (different generator); the distribution is the same.
 */
export class Linear extends Module {
  readonly weight: Var;
  readonly bias: Var | undefined;

  /** @throws InvalidOptionError when a size is not a positive integer */
  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Random, options: LinearOptions = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`Linear: ${name} must be a positive integer, got ${v}`, name);
    }
    const bound = 1 / Math.sqrt(inFeatures);
    const w = rng.uniformFill(new Float32Array(outFeatures * inFeatures), -bound, bound);
    this.weight = this.registerParameter('weight', new Tensor(w, [outFeatures, inFeatures]));
    if (options.bias ?? true) {
      const b = rng.uniformFill(new Float32Array(outFeatures), -bound, bound);
      this.bias = this.registerParameter('bias', new Tensor(b, [outFeatures]));
    }
  }

  /** `[..., in] -> [..., out]`. @throws ShapeError when the last dim is not `inFeatures` */
  forward(x: Var): Var {
    return linear(x, this.weight, this.bias);
  }
}
