/**
 * Typed-array loops for the backward rules that are not a single tensor op. Each computes a
 * vector-Jacobian product `g * f'(...)` elementwise or along one axis; shapes are trusted.
 */
import { GELU_TANH_COEF, SQRT_2_OVER_PI, Tensor, erfScalar, splitAt, wasmActive, wasmLayerNormGrad } from '../tensor/index.js';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** g where lo < x < hi, else 0 (relu, clamp). */
export function maskGrad(g: Tensor, x: Tensor, lo: number, hi: number): Tensor {
  const gd = g.data, xd = x.data, o = new Float32Array(gd.length);
  for (let i = 0; i < gd.length; i++) {
    const v = xd[i]!;
    o[i] = v > lo && v < hi ? gd[i]! : 0;
  }
  return new Tensor(o, g.shape);
}

/** g * (1 - y^2) for y = tanh(x). */
export function tanhGrad(g: Tensor, y: Tensor): Tensor {
  const gd = g.data, yd = y.data, o = new Float32Array(gd.length);
  for (let i = 0; i < gd.length; i++) o[i] = gd[i]! * (1 - yd[i]! * yd[i]!);
  return new Tensor(o, g.shape);
}

/** g * y * (1 - y) for y = sigmoid(x). */
export function sigmoidGrad(g: Tensor, y: Tensor): Tensor {
  const gd = g.data, yd = y.data, o = new Float32Array(gd.length);
  for (let i = 0; i < gd.length; i++) o[i] = gd[i]! * yd[i]! * (1 - yd[i]!);
  return new Tensor(o, g.shape);
}

/** g * sign(x). */
export function absGrad(g: Tensor, x: Tensor): Tensor {
  const gd = g.data, xd = x.data, o = new Float32Array(gd.length);
  for (let i = 0; i < gd.length; i++) o[i] = xd[i]! > 0 ? gd[i]! : xd[i]! < 0 ? -gd[i]! : 0;
  return new Tensor(o, g.shape);
}

/** g * p * x^(p-1). */
export function powGrad(g: Tensor, x: Tensor, p: number): Tensor {
  const gd = g.data, xd = x.data, o = new Float32Array(gd.length);
  if (p === 0) return new Tensor(o, g.shape);
  if (p === 2) for (let i = 0; i < gd.length; i++) o[i] = 2 * gd[i]! * xd[i]!;
  else for (let i = 0; i < gd.length; i++) o[i] = gd[i]! * p * Math.pow(xd[i]!, p - 1);
  return new Tensor(o, g.shape);
}

/** g / (2 y) for y = sqrt(x). */
export function sqrtGrad(g: Tensor, y: Tensor): Tensor {
  const gd = g.data, yd = y.data, o = new Float32Array(gd.length);
  for (let i = 0; i < gd.length; i++) o[i] = (0.5 * gd[i]!) / yd[i]!;
  return new Tensor(o, g.shape);
}

/** g * gelu'(x): exact form Phi(x) + x phi(x); tanh form differentiates the tanh approximation. */
export function geluGrad(g: Tensor, x: Tensor, approximate: 'none' | 'tanh'): Tensor {
  const gd = g.data, xd = x.data, o = new Float32Array(gd.length);
  for (let i = 0; i < gd.length; i++) {
    const v = xd[i]!;
    let d: number;
    if (approximate === 'none') {
      d = 0.5 * (1 + erfScalar(v * Math.SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    } else {
      const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_TANH_COEF * v * v * v));
      d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_COEF * v * v);
    }
    o[i] = gd[i]! * d;
  }
  return new Tensor(o, g.shape);
}

/** Softmax VJP along `axis`: y * (g - sum(g * y)); log-softmax VJP: g - exp(y) * sum(g). */
export function softmaxGrad(g: Tensor, y: Tensor, axis: number, log: boolean): Tensor {
  const { outer, len, inner } = splitAt(y.shape, axis);
  const gd = g.data, yd = y.data, o = new Float32Array(gd.length);
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < inner; i++) {
      const base = a * len * inner + i;
      let s = 0;
      for (let j = 0; j < len; j++) s += log ? gd[base + j * inner]! : gd[base + j * inner]! * yd[base + j * inner]!;
      for (let j = 0; j < len; j++) {
        const k = base + j * inner;
        o[k] = log ? gd[k]! - Math.exp(yd[k]!) * s : yd[k]! * (gd[k]! - s);
      }
    }
  }
  return new Tensor(o, g.shape);
}

/** Scatters g [reduced shape] to the argmax positions of an input of `shape`. */
export function maxGrad(g: Tensor, indices: Int32Array, shape: readonly number[], axis: number | null): Tensor {
  const o = new Float32Array(shape.reduce((p, d) => p * d, 1));
  if (axis === null) {
    o[indices[0]!] = g.data[0]!;
    return new Tensor(o, shape);
  }
  const { outer, len, inner } = splitAt(shape, axis);
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < inner; i++) o[(a * len + indices[a * inner + i]!) * inner + i] = g.data[a * inner + i]!;
  }
  return new Tensor(o, shape);
}

/** Scatters a slice's gradient back into zeros of the input `shape`. */
export function sliceGrad(g: Tensor, shape: readonly number[], axis: number, start: number, step: number): Tensor {
  const { outer, len, inner } = splitAt(shape, axis);
  const count = g.shape[axis]!;
  const o = new Float32Array(outer * len * inner);
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < count; j++) {
      const src = (a * count + j) * inner;
      o.set(g.data.subarray(src, src + inner), (a * len + start + j * step) * inner);
    }
  }
  return new Tensor(o, shape);
}

/**
 * LayerNorm VJP over the last dim with x̂ = (x - mean) rstd:
 * dx = rstd (gw - mean(gw) - x̂ mean(gw x̂)) where gw = g * weight; dweight = Σ g x̂; dbias = Σ g.
 */
export function layerNormGrad(
  g: Tensor, x: Tensor, weight: Tensor | undefined, mean: Float64Array, rstd: Float64Array,
): { dx: Tensor; dWeight: Tensor; dBias: Tensor } {
  const dim = x.shape[x.shape.length - 1]!;
  const dx = new Float32Array(x.size);
  const dw = new Float64Array(dim), db = new Float64Array(dim);
  layerNormGradInto(g.data, x.data, { dim, rows: mean.length, weight: weight?.data, mean, rstd, dx, dWeight: dw, dBias: db });
  return { dx: new Tensor(dx, x.shape), dWeight: new Tensor(Float32Array.from(dw), [dim]), dBias: new Tensor(Float32Array.from(db), [dim]) };
}

/** Buffers and sizes of {@link layerNormGradInto}. */
export interface LayerNormGradInto {
  rows: number;
  dim: number;
  weight: Float32Array | undefined;
  mean: Float64Array;
  rstd: Float64Array;
  /** `[rows, dim]` written (overwritten). */
  dx: Float32Array;
  /** `[dim]` accumulated into (`+=`). */
  dWeight: Float64Array;
  /** `[dim]` accumulated into (`+=`). */
  dBias: Float64Array;
}

/**
 * The {@link layerNormGrad} kernel on preallocated buffers (also the fused transformer step's): `g` and
 * `x` `[rows, dim]`; writes dx, adds the weight and bias gradients. Trusts its caller.
 */
export function layerNormGradInto(g: Float32Array, x: Float32Array, o: LayerNormGradInto): void {
  const { rows, dim, weight: w, mean, rstd, dx, dWeight: dw, dBias: db } = o;
  // Rows of 4 or more run on the WebAssembly twin (tensor/wasm/layer-norm-grad-kernel.ts) under that backend.
  if (dim >= 4 && wasmActive() && wasmLayerNormGrad({ g, x, weight: w, mean, rstd, rows, n: dim, dx, dWeight: dw, dBias: db })) return;
  for (let r = 0; r < rows; r++) {
    const base = r * dim, mu = mean[r]!, rs = rstd[r]!;
    let s1 = 0, s2 = 0;
    for (let j = 0; j < dim; j++) {
      const xh = (x[base + j]! - mu) * rs;
      const gw = w ? g[base + j]! * w[j]! : g[base + j]!;
      s1 += gw;
      s2 += gw * xh;
      dw[j] += g[base + j]! * xh;
      db[j] += g[base + j]!;
    }
    s1 /= dim;
    s2 /= dim;
    for (let j = 0; j < dim; j++) {
      const xh = (x[base + j]! - mu) * rs;
      const gw = w ? g[base + j]! * w[j]! : g[base + j]!;
      dx[base + j] = rs * (gw - s1 - xh * s2);
    }
  }
}
