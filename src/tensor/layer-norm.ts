/**
 * Layer normalisation over the last dimension (Ba, Kiros & Hinton 2016, https://arxiv.org/abs/1607.06450):
 * `(x - mean) / sqrt(var + eps) * weight + bias` with the biased variance, as torch.nn.LayerNorm.
 */
import { InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { wasmActive } from './backend.js';
import { Tensor } from './tensor.js';
// A namespace: the runtime bundle loads the WebAssembly drivers on their first use (./wasm/neural.ts).
import * as wasmNeural from './wasm/neural.js';

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
  const out = new Float32Array(x.size);
  const means = new Float64Array(rows);
  const rstds = new Float64Array(rows);
  layerNormInto({ x: x.data, out, rows, width: dim, eps, weight: options.weight?.data, bias: options.bias?.data, mean: means, rstd: rstds });
  return { out: new Tensor(out, x.shape), mean: means, rstd: rstds };
}

/** LayerNorm over the last dim. See {@link layerNormWithStats}. */
export function layerNorm(x: Tensor, options: LayerNormOptions = {}): Tensor {
  return layerNormWithStats(x, options).out;
}

/** Arguments of {@link layerNormInto}: `rows` rows of `width` values, normalized row by row. */
export interface LayerNormRows {
  x: Float32Array | Float64Array;
  /** Receives the normalized rows (may be `x`). */
  out: Float32Array | Float64Array;
  rows: number;
  width: number;
  eps: number;
  /** Scale `[width]`; absent = 1. */
  weight?: Float32Array | Float64Array | undefined;
  /** Shift `[width]`; absent = 0. */
  bias?: Float32Array | Float64Array | undefined;
  /** Receives each row's mean `[rows]` when given. */
  mean?: Float32Array | Float64Array;
  /** Receives each row's `1 / sqrt(var + eps)` `[rows]` when given. */
  rstd?: Float32Array | Float64Array;
}

/**
 * The one LayerNorm kernel (tensor's layerNorm and the ONNX runtime's LayerNormalization): per row,
 * mean and biased variance in float64 in two passes (a large common offset does not cancel
 * catastrophically), then `(x - mean) * rstd * weight + bias`. Float32 rows of 4 or more values run
 * on the WebAssembly twin (./wasm/normalize-kernel.ts, float32 lanes) when that backend is active.
 * Trusts its caller.
 */
export function layerNormInto(a: LayerNormRows): void {
  const { x, out, rows, width, eps, weight: w, bias: b, mean, rstd } = a;
  const float32 = x instanceof Float32Array && out instanceof Float32Array && !(w instanceof Float64Array) && !(b instanceof Float64Array);
  // `a` itself, not a copy: this runs per score (the float32 test above is what the cast states).
  if (float32 && width >= 4 && wasmActive() && wasmNeural.wasmLayerNorm(a as wasmNeural.LayerNormRun)) return;
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let s = 0;
    for (let j = 0; j < width; j++) s += x[base + j]!;
    const mu = s / width;
    let v = 0;
    for (let j = 0; j < width; j++) {
      const c = x[base + j]! - mu;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / width + eps);
    if (mean !== undefined) mean[r] = mu;
    if (rstd !== undefined) rstd[r] = rs;
    for (let j = 0; j < width; j++) {
      const xh = (x[base + j]! - mu) * rs;
      out[base + j] = (w ? xh * w[j]! : xh) + (b ? b[j]! : 0);
    }
  }
}

