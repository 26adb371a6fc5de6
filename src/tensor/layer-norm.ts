/**
 * Layer normalisation over the last dimension (Ba, Kiros & Hinton 2016, https://arxiv.org/abs/1607.06450):
 * `(x - mean) / sqrt(var + eps) * weight + bias` with the biased variance, as torch.nn.LayerNorm.
 */
import { InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { wasmActive } from './backend.js';
import { Tensor } from './tensor.js';
import { wasmLayerNorm } from './wasm/normalize.js';

export interface LayerNormOptions {
  /** Scale `[D]`; absent = 1. */
  weight?: Tensor;
  /** Shift `[D]`; absent = 0. */
  bias?: Tensor;
  /** Added to the variance. Default 1e-5. */
  eps?: number;
}

/** Output plus the per-row statistics a backward pass needs. */
export interface LayerNormResult {
  out: Tensor;
  /** Row means `[rows]`. */
  mean: Float64Array;
  /** Row `1 / sqrt(var + eps)` `[rows]`. */
  rstd: Float64Array;
}

/**
 * LayerNorm with statistics. Mean and variance are computed in float64 in two passes, so a large
 * common offset does not cancel catastrophically.
 * @throws ShapeError for a 0-d input or weight/bias not shaped `[D]`; InvalidOptionError for eps < 0
 */
export function layerNormWithStats(x: Tensor, options: LayerNormOptions = {}): LayerNormResult {
  const eps = options.eps ?? 1e-5;
  if (!(eps >= 0)) throw new InvalidOptionError(`layerNorm: eps must be >= 0, got ${eps}`, 'eps');
  if (x.shape.length === 0) throw new ShapeError(`layerNorm: input must have rank >= 1, got []`, 'layerNorm', [x.shape]);
  const dim = x.shape[x.shape.length - 1]!;
  for (const [name, p] of [['weight', options.weight], ['bias', options.bias]] as const) {
    if (p && (p.shape.length !== 1 || p.shape[0] !== dim)) {
      throw new ShapeError(`layerNorm: ${name} must have shape [${dim}] for input ${fmtShape(x.shape)}, got ${fmtShape(p.shape)}`, 'layerNorm', [x.shape, p.shape]);
    }
  }
  const rows = dim === 0 ? 0 : x.size / dim;
  const w = options.weight?.data;
  const b = options.bias?.data;
  const d = x.data;
  const out = new Float32Array(x.size);
  const means = new Float64Array(rows);
  const rstds = new Float64Array(rows);
  // The wasm backend's twin (float32 lanes): ./wasm/normalize-kernel.ts.
  if (dim >= 4 && wasmActive() && wasmLayerNorm({ x: d, y: out, gamma: w, beta: b, rows, n: dim, eps, mean: means, rstd: rstds })) {
    return { out: new Tensor(out, x.shape), mean: means, rstd: rstds };
  }
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += d[base + j]!;
    const mu = s / dim;
    let v = 0;
    for (let j = 0; j < dim; j++) {
      const c = d[base + j]! - mu;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / dim + eps);
    means[r] = mu;
    rstds[r] = rs;
    for (let j = 0; j < dim; j++) {
      const xh = (d[base + j]! - mu) * rs;
      out[base + j] = (w ? xh * w[j]! : xh) + (b ? b[j]! : 0);
    }
  }
  return { out: new Tensor(out, x.shape), mean: means, rstd: rstds };
}

/** LayerNorm over the last dim. See {@link layerNormWithStats}. */
export function layerNorm(x: Tensor, options: LayerNormOptions = {}): Tensor {
  return layerNormWithStats(x, options).out;
}
