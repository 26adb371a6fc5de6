/** Elementwise unary ops. Each is one plain loop into a fresh output (no per-element closures). */
import { InvalidOptionError } from '../errors.js';
import { erfScalar } from './erf.js';
import { Tensor } from './tensor.js';

function like(x: Tensor): Float32Array {
  return new Float32Array(x.size);
}

/** `-x` */
export function neg(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = -d[i]!;
  return new Tensor(o, x.shape);
}

/** `|x|` */
export function abs(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = Math.abs(d[i]!);
  return new Tensor(o, x.shape);
}

/** `e^x` */
export function exp(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = Math.exp(d[i]!);
  return new Tensor(o, x.shape);
}

/** Natural logarithm (NaN below 0, -Infinity at 0). */
export function log(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = Math.log(d[i]!);
  return new Tensor(o, x.shape);
}

/** `sqrt(x)` (NaN below 0). */
export function sqrt(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = Math.sqrt(d[i]!);
  return new Tensor(o, x.shape);
}

/** `x ** exponent` for a scalar exponent; 2 and 1 are special-cased (common and exact). */
export function pow(x: Tensor, exponent: number): Tensor {
  const d = x.data, o = like(x);
  if (exponent === 2) for (let i = 0; i < d.length; i++) o[i] = d[i]! * d[i]!;
  else if (exponent === 1) o.set(d);
  else for (let i = 0; i < d.length; i++) o[i] = Math.pow(d[i]!, exponent);
  return new Tensor(o, x.shape);
}

/** `tanh(x)` */
export function tanh(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = Math.tanh(d[i]!);
  return new Tensor(o, x.shape);
}

/** Logistic `1 / (1 + e^-x)`, evaluated without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      o[i] = e / (1 + e);
    }
  }
  return new Tensor(o, x.shape);
}

/** `max(x, 0)` */
export function relu(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = d[i]! > 0 ? d[i]! : 0;
  return new Tensor(o, x.shape);
}

/** Elementwise error function (see erf.ts). */
export function erf(x: Tensor): Tensor {
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) o[i] = erfScalar(d[i]!);
  return new Tensor(o, x.shape);
}

export interface GeluOptions {
  /** `'none'` (default): exact `0.5 x (1 + erf(x / sqrt 2))`; `'tanh'`: the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

export const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
export const GELU_TANH_COEF = 0.044715;

/**
 * GELU (Hendrycks & Gimpel 2016, https://arxiv.org/abs/1606.08415), exact or tanh form as in PyTorch.
 * @throws InvalidOptionError for an unknown `approximate`
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  const d = x.data, o = like(x);
  if (approximate === 'none') {
    for (let i = 0; i < d.length; i++) o[i] = 0.5 * d[i]! * (1 + erfScalar(d[i]! * Math.SQRT1_2));
  } else if (approximate === 'tanh') {
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      o[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_TANH_COEF * v * v * v)));
    }
  } else {
    throw new InvalidOptionError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`, 'approximate');
  }
  return new Tensor(o, x.shape);
}

export interface ClampOptions {
  /** Lower bound; `null`/absent = unbounded. */
  min?: number | null;
  /** Upper bound; `null`/absent = unbounded. */
  max?: number | null;
}

/**
 * `min(max(x, min), max)`.
 * @throws InvalidOptionError when `min > max`
 */
export function clamp(x: Tensor, options: ClampOptions): Tensor {
  const lo = options.min ?? -Infinity;
  const hi = options.max ?? Infinity;
  if (!(lo <= hi)) throw new InvalidOptionError(`clamp: min must be <= max, got min ${lo}, max ${hi}`, 'min');
  const d = x.data, o = like(x);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    o[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return new Tensor(o, x.shape);
}
