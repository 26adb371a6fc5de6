/** Differentiable neural-network building blocks: linear, softmax, layerNorm, mseLoss. */
import * as T from '../tensor/index.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Var, record } from './variable.js';
import { pow, sub } from './ops-elementwise.js';
import { mean } from './ops-shape.js';

/**
 * `x [..., in] · weight[out, in]^T + bias[out]` in one gemm with the bias fused (one primitive, so
 * neither the forward nor the backward materialises a transpose).
 */
export function linear(x: Var, weight: Var, bias?: Var): Var {
  const value = T.linear(x.value, weight.value, bias?.value);
  return record('linear', bias ? [x, weight, bias] : [x, weight], value, {});
}

/** Softmax along `axis` (default last), a fused primitive. */
export function softmax(x: Var, axis = -1): Var {
  const ax = T.normalizeAxis('softmax', axis, x.shape);
  return record('softmax', [x], T.softmax(x.value, ax), { axis: ax });
}

/** Log-softmax along `axis` (default last), a fused primitive. */
export function logSoftmax(x: Var, axis = -1): Var {
  const ax = T.normalizeAxis('logSoftmax', axis, x.shape);
  return record('logSoftmax', [x], T.logSoftmax(x.value, ax), { axis: ax });
}

export interface LayerNormVarOptions {
  /** Scale `[D]`; absent = 1. */
  weight?: Var;
  /** Shift `[D]`; absent = 0. */
  bias?: Var;
  /** Default 1e-5. */
  eps?: number;
}

/** LayerNorm over the last dim (a fused primitive; see tensor `layerNormWithStats`). */
export function layerNorm(x: Var, options: LayerNormVarOptions = {}): Var {
  let weight = options.weight;
  if (weight === undefined && options.bias !== undefined) {
    weight = new Var(T.ones([x.shape[x.shape.length - 1] ?? 0]));
  }
  const { out, mean: mu, rstd } = T.layerNormWithStats(x.value, {
    weight: weight?.value,
    bias: options.bias?.value,
    eps: options.eps ?? 1e-5,
  });
  const inputs = options.bias ? [x, weight!, options.bias] : weight ? [x, weight] : [x];
  return record('layerNorm', inputs, out, { mean: mu, rstd });
}

/**
 * Mean squared error `mean((input - target)^2)` as a 0-d Var, composed of sub, pow and mean.
 * @throws ShapeError when the shapes differ
 */
export function mseLoss(input: Var, target: Var): Var {
  if (!T.sameShape(input.shape, target.shape)) {
    throw new ShapeError(`mseLoss: input and target shapes must match, got ${fmtShape(input.shape)} and ${fmtShape(target.shape)}`, 'mseLoss', [input.shape, target.shape]);
  }
  return mean(pow(sub(input, target), 2));
}
