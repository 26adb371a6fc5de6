/**
 * Per-feature standardization for generic tables (`standardize: true` in config.yaml).
 */
import { DataError, ShapeError } from '../errors.js';

/**
 * Fitted per-feature statistics. `scale[j]` is the population standard deviation of column j, or 1
 * where that deviation is 0 (a constant column is only centred). Store both arrays in checkpoints.
 */
export interface Standardizer {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/**
 * Fits column means and population standard deviations (divide by `rows`), two-pass in float64.
 * @param data `[rows, cols]` row-major, finite
 * @throws ShapeError if `data.length !== rows * cols`
 * @throws DataError if there are no rows or a value is not finite
 */
export function fitStandardizer(data: Float32Array | Float64Array, rows: number, cols: number): Standardizer {
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols <= 0 || data.length !== rows * cols) {
    throw new ShapeError(`fitStandardizer: data length must equal rows x cols = ${rows} x ${cols}, got ${data.length}`, 'fitStandardizer');
  }
  if (rows === 0) throw new DataError('fitStandardizer: rows must be at least 1, got 0', 'data');
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[base + j]!;
      if (!Number.isFinite(v)) throw new DataError(`fitStandardizer: row ${i}, column ${j} must be finite, got ${v}`, 'data', { row: i, column: j });
      mean[j]! += v;
    }
  }
  for (let j = 0; j < cols; j++) mean[j]! /= rows;
  const scale = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const d = data[base + j]! - mean[j]!;
      scale[j]! += d * d;
    }
  }
  for (let j = 0; j < cols; j++) {
    const std = Math.sqrt(scale[j]! / rows);
    scale[j] = std > 0 ? std : 1;
  }
  return { mean, scale };
}

/**
 * `out[i, j] = (data[i, j] - mean[j]) / scale[j]`. Pure: `data` is not modified.
 * @param data `[rows, cols]` row-major with `cols === standardizer.mean.length`
 * @param out optional preallocated `[rows, cols]` output
 * @returns `[rows, cols]` float32 (`out` when given)
 * @throws ShapeError if `data.length` is not a multiple of the fitted width or `out` has another length
 */
export function applyStandardizer(
  standardizer: Standardizer,
  data: Float32Array | Float64Array,
  out?: Float32Array,
): Float32Array {
  const cols = standardizer.mean.length;
  if (data.length % cols !== 0) {
    throw new ShapeError(`applyStandardizer: data length must be a multiple of the fitted width ${cols}, got ${data.length}`, 'applyStandardizer');
  }
  const result = out ?? new Float32Array(data.length);
  if (result.length !== data.length) {
    throw new ShapeError(`applyStandardizer: out length must be ${data.length}, got ${result.length}`, 'applyStandardizer');
  }
  standardizeInto(standardizer, data, result);
  return result;
}

/**
 * `out[i, j] = (data[i, j] - mean[j]) / scale[j]` for the rows of `out` (`out.length / mean.length`
 * of them), computed in float64 and rounded to float32; `out` may be `data` itself. The one
 * standardization kernel: the pipeline's streamed passes and {@link applyStandardizer} all call it.
 * Trusts its caller (widths and lengths).
 */
export function standardizeInto(s: Standardizer, data: Float32Array | Float64Array, out: Float32Array): void {
  const { mean, scale } = s;
  const cols = mean.length;
  const rows = out.length / cols;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[base + j] = (data[base + j]! - mean[j]!) / scale[j]!;
  }
}

/** {@link standardizeInto} in place on the first `rows` rows of `data` (`[rows, mean.length]`). */
export function standardizeInPlace(s: Standardizer, data: Float32Array, rows: number): void {
  const head = data.subarray(0, rows * s.mean.length);
  standardizeInto(s, head, head);
}
