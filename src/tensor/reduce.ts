/** Reductions over all elements or one axis: sum, mean, max (+ argmax). Accumulation is in float64. */
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxis, splitAt } from './shape.js';
import { Tensor } from './tensor.js';

export interface ReduceOptions {
  /** Axis to reduce (negative counts from the end); absent/null reduces every element to a 0-d tensor. */
  axis?: number | null;
  /** Keep the reduced axis with length 1. Default false. */
  keepDims?: boolean;
}

/** Output shape of reducing `shape` over `axis` (null = all). */
export function reducedShape(shape: readonly number[], axis: number | null, keepDims: boolean): number[] {
  if (axis === null) return keepDims ? shape.map(() => 1) : [];
  if (keepDims) return shape.map((d, i) => (i === axis ? 1 : d));
  return shape.filter((_, i) => i !== axis);
}

/** Sum over `axis` (or all elements). @throws ShapeError when the axis is out of range */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  const keepDims = options.keepDims ?? false;
  const axisOpt = options.axis ?? null;
  if (axisOpt === null) {
    let s = 0;
    const d = x.data;
    for (let i = 0; i < d.length; i++) s += d[i]!;
    return new Tensor(Float32Array.of(s), reducedShape(x.shape, null, keepDims));
  }
  const axis = normalizeAxis('sum', axisOpt, x.shape);
  const { outer, len, inner } = splitAt(x.shape, axis);
  const out = new Float32Array(outer * inner);
  const d = x.data;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * len;
      for (let j = 0; j < len; j++) s += d[base + j]!;
      out[o] = s;
    }
  } else {
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      for (let j = 0; j < len; j++) {
        const base = (o * len + j) * inner;
        for (let i = 0; i < inner; i++) acc[i] += d[base + i]!;
      }
      for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i]!;
    }
  }
  return new Tensor(out, reducedShape(x.shape, axis, keepDims));
}

/** Mean over `axis` (or all elements). @throws ShapeError when the axis is out of range */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axis = options.axis ?? null;
  const count = axis === null ? x.size : x.shape[normalizeAxis('mean', axis, x.shape)]!;
  const s = sum(x, options);
  const d = s.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i]! / count;
  return s;
}

/** Maximum values and their positions along the reduced axis (flat indices when reducing everything). */
export interface MaxResult {
  values: Tensor;
  /** Position of the (first) maximum along `axis`, one per output element; flat index for axis null. */
  indices: Int32Array;
}

/**
 * Max over `axis` (or all elements) with argmax. NaN wins (as in NumPy/PyTorch); ties give the first.
 * @throws ShapeError when reducing an empty axis or the axis is out of range
 */
export function maxWithIndices(x: Tensor, options: ReduceOptions = {}): MaxResult {
  const keepDims = options.keepDims ?? false;
  const axisOpt = options.axis ?? null;
  const axis = axisOpt === null ? null : normalizeAxis('max', axisOpt, x.shape);
  const { outer, len, inner } = axis === null ? { outer: 1, len: x.size, inner: 1 } : splitAt(x.shape, axis);
  if (len === 0) {
    throw new ShapeError(`max: reduced axis must be non-empty, got shape ${fmtShape(x.shape)}`, 'max', [x.shape]);
  }
  const out = new Float32Array(outer * inner);
  const idx = new Int32Array(outer * inner);
  const d = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = d[base]!;
      let arg = 0;
      for (let j = 1; j < len && best === best; j++) {
        const v = d[base + j * inner]!;
        if (v > best || v !== v) {
          best = v;
          arg = j;
        }
      }
      out[o * inner + i] = best;
      idx[o * inner + i] = arg;
    }
  }
  return { values: new Tensor(out, reducedShape(x.shape, axis, keepDims)), indices: idx };
}

/** Max over `axis` (or all elements). */
export function max(x: Tensor, options: ReduceOptions = {}): Tensor {
  return maxWithIndices(x, options).values;
}

/** Argmax positions along `axis` (or the flat index over all elements), as an Int32Array. */
export function argmax(x: Tensor, options: ReduceOptions = {}): Int32Array {
  return maxWithIndices(x, options).indices;
}
