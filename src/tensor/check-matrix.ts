/** Input checks shared by the estimators (IsolationForest, ECOD) for a dense float32 matrix argument. */
import { DataError, ShapeError, fmtShape } from '../errors.js';

/** A dense row-major float32 matrix: `data[r * shape[1] + c]` is row r, column c. */
export interface FloatMatrix {
  data: Float32Array;
  shape: readonly [number, number];
}

/**
 * Checks that `x` is a [rows, cols] float32 matrix with at least `minRows` rows, at least one column
 * and only finite values. Returns `[rows, cols]`.
 * @throws ShapeError when the shape is malformed or does not match `data.length`.
 * @throws DataError for too few rows, no columns, a non-Float32Array buffer or a NaN/Inf value
 *   (the message names its row and column).
 */
export function checkMatrix(where: string, x: FloatMatrix, minRows: number): [number, number] {
  if (typeof x !== 'object' || x === null || !(x.data instanceof Float32Array)) {
    const got = typeof x === 'object' && x !== null ? Object.prototype.toString.call(x.data) : String(x);
    throw new DataError(`${where}: X.data must be a Float32Array, got ${got}`, 'X');
  }
  const shape = x.shape as readonly number[];
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${where}: X.shape must be [rows, cols] of non-negative integers, got ${JSON.stringify(shape)}`, where);
  }
  const [rows, cols] = shape as [number, number];
  if (x.data.length !== rows * cols) {
    throw new ShapeError(
      `${where}: X.data must hold rows * cols = ${rows * cols} values for shape ${fmtShape(shape)}, got ${x.data.length}`,
      where,
      [shape],
    );
  }
  if (cols < 1) throw new DataError(`${where}: X must have at least 1 column, got ${cols}`, 'X');
  if (rows < minRows) throw new DataError(`${where}: X must have at least ${minRows} rows, got ${rows}`, 'X');
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    // v - v is NaN exactly when v is NaN or +-Infinity.
    if (v - v !== 0) {
      throw new DataError(`${where}: X row ${Math.floor(i / cols)}, column ${i % cols} must be finite, got ${v}`, 'X', { row: Math.floor(i / cols), column: i % cols });
    }
  }
  return [rows, cols];
}
