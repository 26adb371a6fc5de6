/** Shape helpers shared by the tensor kernels: validation, sizes, strides, axes. */
import { ShapeError, fmtShape } from '../errors.js';

/** Number of elements of a shape (1 for the 0-d shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (let i = 0; i < shape.length; i++) s *= shape[i]!;
  return s;
}

/**
 * Checks that every dimension is a non-negative integer.
 * @throws ShapeError naming `op` otherwise
 */
export function validateShape(op: string, shape: readonly number[]): void {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape dimensions must be non-negative integers, got ${fmtShape(shape)}`, op, [shape]);
    }
  }
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Maps a possibly negative axis (Python convention) to `[0, rank)`.
 * @throws ShapeError when `axis` is not an integer in `[-rank, rank)`
 */
export function normalizeAxis(op: string, axis: number, shape: readonly number[]): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(
      `${op}: axis must be an integer in [${-rank}, ${rank - 1}] for shape ${fmtShape(shape)}, got ${axis}`,
      op,
      [shape],
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Splits a shape around `axis` into (outer, axis length, inner) element counts. */
export function splitAt(shape: readonly number[], axis: number): { outer: number; len: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, len: shape[axis]!, inner };
}
