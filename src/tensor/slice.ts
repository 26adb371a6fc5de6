/** Strided slice along one axis (Python `x[..., start:end:step, ...]`). */
import { InvalidOptionError } from '../errors.js';
import { normalizeAxis, splitAt } from './shape.js';
import { Tensor } from './tensor.js';

export interface SliceOptions {
  axis: number;
  /** First index (negative counts from the end; clipped like Python). Default 0. */
  start?: number;
  /** One past the last index (negative counts from the end; clipped). Default: the axis length. */
  end?: number;
  /** Positive step. Default 1. */
  step?: number;
}

/** The resolved `start`, `step` and output length of a slice over an axis of length `len`. */
export function resolveSlice(len: number, o: SliceOptions): { start: number; step: number; count: number } {
  const step = o.step ?? 1;
  if (!Number.isInteger(step) || step < 1) {
    throw new InvalidOptionError(`slice: step must be a positive integer, got ${step}`, 'step');
  }
  for (const [name, v] of [['start', o.start], ['end', o.end]] as const) {
    if (v !== undefined && !Number.isInteger(v)) throw new InvalidOptionError(`slice: ${name} must be an integer, got ${v}`, name);
  }
  const clip = (v: number): number => Math.min(len, Math.max(0, v < 0 ? v + len : v));
  const start = clip(o.start ?? 0);
  const end = clip(o.end ?? len);
  const count = end > start ? Math.ceil((end - start) / step) : 0;
  return { start, step, count };
}

/**
 * Elements `start, start+step, ...` below `end` along `axis`.
 * @throws ShapeError when the axis is out of range; InvalidOptionError for a bad step/start/end
 */
export function slice(x: Tensor, options: SliceOptions): Tensor {
  const axis = normalizeAxis('slice', options.axis, x.shape);
  const { outer, len, inner } = splitAt(x.shape, axis);
  const { start, step, count } = resolveSlice(len, options);
  const outShape = x.shape.slice();
  outShape[axis] = count;
  const out = new Float32Array(outer * count * inner);
  const d = x.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const src = (o * len + start + j * step) * inner;
      out.set(d.subarray(src, src + inner), (o * count + j) * inner);
    }
  }
  return new Tensor(out, outShape);
}
