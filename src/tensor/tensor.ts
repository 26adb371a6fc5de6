/**
 * The dense float32 tensor: a row-major `Float32Array` plus a shape. Tensors are treated as
 * immutable values: every op returns a new tensor (reshape may share `data`); only functions whose
 * names end in `InPlace` write into an existing one.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { sizeOf, validateShape } from './shape.js';

/** Nested arrays of numbers, e.g. `[[1, 2], [3, 4]]`. */
export type NestedArray = number | readonly NestedArray[];

export class Tensor {
  /** Row-major values; `data.length === size`. */
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly size: number;

  /**
   * Wraps `data` (not copied) with `shape`.
   * @throws ShapeError when a dimension is not a non-negative integer or `data.length` differs from the shape's size
   */
  constructor(data: Float32Array, shape: readonly number[]) {
    validateShape('Tensor', shape);
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new ShapeError(
        `Tensor: data length must equal the size ${size} of shape ${fmtShape(shape)}, got ${data.length}`,
        'Tensor',
        [shape],
      );
    }
    this.data = data;
    this.shape = shape.slice();
    this.size = size;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. @throws ShapeError otherwise */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError(`item: tensor must have exactly one element, got shape ${fmtShape(this.shape)}`, 'item', [this.shape]);
    }
    return this.data[0]!;
  }

  /** Values as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset]!;
      const n = this.shape[dim]!;
      let stride = 1;
      for (let i = dim + 1; i < this.shape.length; i++) stride *= this.shape[i]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** `[2,3]`-style description for messages. */
  toString(): string {
    return `Tensor${fmtShape(this.shape)}`;
  }
}

/** A tensor of zeros with `shape`. */
export function zeros(shape: readonly number[]): Tensor {
  validateShape('zeros', shape);
  return new Tensor(new Float32Array(sizeOf(shape)), shape);
}

/** A tensor of ones with `shape`. */
export function ones(shape: readonly number[]): Tensor {
  return full(shape, 1);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number): Tensor {
  validateShape('full', shape);
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape);
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number): Tensor {
  return new Tensor(Float32Array.of(value), []);
}

/**
 * Builds a tensor from nested arrays (shape inferred, must be rectangular) or from a flat typed/plain
 * array with an explicit `shape` (default `[length]`). Values are copied.
 * @throws ShapeError for ragged nesting or a length that does not match `shape`
 */
export function fromArray(values: NestedArray | ArrayLike<number>, shape?: readonly number[]): Tensor {
  if (typeof values === 'number') {
    if (shape !== undefined && sizeOf(shape) !== 1) {
      throw new ShapeError(`fromArray: data length must equal the size of shape ${fmtShape(shape)}, got 1`, 'fromArray', [shape]);
    }
    return new Tensor(Float32Array.of(values), shape ?? []);
  }
  if (ArrayBuffer.isView(values) || shape !== undefined) {
    const flat = values as ArrayLike<number>;
    const target = shape ?? [flat.length];
    validateShape('fromArray', target);
    if (flat.length !== sizeOf(target)) {
      throw new ShapeError(
        `fromArray: data length must equal the size ${sizeOf(target)} of shape ${fmtShape(target)}, got ${flat.length}`,
        'fromArray',
        [target],
      );
    }
    return new Tensor(Float32Array.from(flat), target);
  }
  const inferred: number[] = [];
  let level: NestedArray = values as NestedArray;
  while (Array.isArray(level)) {
    inferred.push(level.length);
    level = (level as readonly NestedArray[])[0] ?? 0;
    if (inferred[inferred.length - 1] === 0) break;
  }
  const out = new Float32Array(sizeOf(inferred));
  let pos = 0;
  const fill = (v: NestedArray, dim: number, path: string): void => {
    if (dim === inferred.length) {
      if (typeof v !== 'number') throw new ShapeError(`fromArray: element ${path} must be a number, got an array`, 'fromArray');
      out[pos++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== inferred[dim]) {
      const got = Array.isArray(v) ? `length ${v.length}` : 'a number';
      throw new ShapeError(`fromArray: nested arrays must be rectangular (length ${inferred[dim]} at ${path}), got ${got}`, 'fromArray');
    }
    for (let i = 0; i < v.length; i++) fill((v as readonly NestedArray[])[i]!, dim + 1, `${path}[${i}]`);
  };
  fill(values as NestedArray, 0, 'root');
  return new Tensor(out, inferred);
}

/**
 * `[start, stop)` in steps of `step` (NumPy `arange`); `arange(n)` is `0..n-1`.
 * @throws ShapeError when `step` is 0 or not finite
 */
export function arange(start: number, stop?: number, step = 1): Tensor {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new ShapeError(`arange: step must be finite and non-zero with finite bounds, got start ${lo}, stop ${hi}, step ${step}`, 'arange');
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  return new Tensor(out, [n]);
}

/** The `[n, m]` identity-like matrix (ones on the main diagonal). */
export function eye(n: number, m: number = n): Tensor {
  validateShape('eye', [n, m]);
  const out = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return new Tensor(out, [n, m]);
}
