/** Input checks shared by the estimators (IsolationForest, ECOD, the model-kind estimators) for a dense float32 matrix argument. */
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

/** What the in-memory estimators accept as X: a {@link FloatMatrix}, or rows of numbers (`number[][]`). */
export type MatrixInput = FloatMatrix | readonly (readonly number[])[];

/**
 * `x` as a checked float32 matrix (see {@link checkMatrix}): a {@link FloatMatrix} is returned as is
 * (not copied), rows of numbers are copied into a new Float32Array (each value rounded to float32).
 * @throws ShapeError for rows of different lengths; DataError for a value that is not a finite
 *   number, too few rows or no columns; as {@link checkMatrix} for a FloatMatrix
 */
export function asFloatMatrix(where: string, x: MatrixInput, minRows: number): FloatMatrix {
  if (!Array.isArray(x)) {
    const shape = checkMatrix(where, x as FloatMatrix, minRows);
    return { data: (x as FloatMatrix).data, shape };
  }
  const rows = x.length;
  const first: unknown = x[0];
  const cols = Array.isArray(first) ? first.length : 0;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row: unknown = x[r];
    if (!Array.isArray(row) || row.length !== cols) {
      const got = Array.isArray(row) ? `${row.length} values` : Object.prototype.toString.call(row);
      throw new ShapeError(`${where}: X row ${r} must be an array of ${cols} numbers as row 0, got ${got}`, where, [[rows, cols]]);
    }
    for (let c = 0; c < cols; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number') throw new DataError(`${where}: X row ${r}, column ${c} must be a number, got ${typeof v}`, 'X', { row: r, column: c });
      data[r * cols + c] = v;
    }
  }
  const shape = checkMatrix(where, { data, shape: [rows, cols] }, minRows);
  return { data, shape };
}
