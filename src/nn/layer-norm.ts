/** LayerNorm module (Ba, Kiros & Hinton 2016, https://arxiv.org/abs/1607.06450). */
import { InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { ones, zeros } from '../tensor/index.js';
import { type Var, layerNorm } from '../autograd/index.js';
import { Module } from './module.js';

export interface LayerNormModuleOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn `weight [D]` (init 1) and `bias [D]` (init 0), as torch's default (default true). */
  elementwiseAffine?: boolean;
}

/**
 * torch.nn.LayerNorm over the last dim of size `dim`:
 * `(x - mean) / sqrt(var + eps) * weight + bias`, biased variance. Init weight = 1, bias = 0 (torch).
 */
export class LayerNorm extends Module {
  readonly eps: number;
  readonly weight: Var | undefined;
  readonly bias: Var | undefined;

  /** @throws InvalidOptionError when `dim` is not a positive integer or eps < 0 */
  constructor(readonly dim: number, options: LayerNormModuleOptions = {}) {
    super();
    if (!Number.isInteger(dim) || dim < 1) throw new InvalidOptionError(`LayerNorm: dim must be a positive integer, got ${dim}`, 'dim');
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new InvalidOptionError(`LayerNorm: eps must be >= 0, got ${this.eps}`, 'eps');
    if (options.elementwiseAffine ?? true) {
      this.weight = this.registerParameter('weight', ones([dim]));
      this.bias = this.registerParameter('bias', zeros([dim]));
    }
  }

  /** `[..., dim] -> [..., dim]`. @throws ShapeError when the last dim is not `dim` */
  forward(x: Var): Var {
    if (x.shape[x.shape.length - 1] !== this.dim) {
      throw new ShapeError(`LayerNorm: input last dim must be ${this.dim}, got ${fmtShape(x.shape)}`, 'LayerNorm', [x.shape]);
    }
    return layerNorm(x, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}
