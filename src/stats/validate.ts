/** Input checks shared by the public functions of src/stats. Kernels below them trust their callers. */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';

/** A 1-D sample: every stats function reads float32 or float64 values (float32 is widened exactly). */
import type { FloatArray } from '../tensor/index.js';

export type { FloatArray };

/**
 * Checks that `data` is a non-empty Float32Array/Float64Array without NaN or +-Infinity.
 * @throws DataError for another array type, an empty array, or a non-finite value (named by index).
 */
export function checkSample(where: string, name: string, data: FloatArray, minLength = 1): void {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    const got = Object.prototype.toString.call(data);
    throw new DataError(`${where}: ${name} must be a Float32Array or Float64Array, got ${got}`, name);
  }
  if (data.length < minLength) {
    throw new DataError(`${where}: ${name} must have at least ${minLength} value${minLength === 1 ? '' : 's'}, got ${data.length}`, name);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // v - v is NaN exactly when v is NaN or +-Infinity.
    if (v - v !== 0) throw new DataError(`${where}: ${name}[${i}] must be finite, got ${v}`, name, { index: i });
  }
}

/**
 * Checks optional sample weights: same length as the values, finite, >= 0, with a positive sum.
 * @throws ShapeError when the lengths differ; DataError for a negative/non-finite weight or a zero sum.
 */
export function checkWeights(where: string, name: string, weights: FloatArray, valuesLength: number): void {
  if (!(weights instanceof Float32Array || weights instanceof Float64Array)) {
    const got = Object.prototype.toString.call(weights);
    throw new DataError(`${where}: ${name} must be a Float32Array or Float64Array, got ${got}`, name);
  }
  if (weights.length !== valuesLength) {
    throw new ShapeError(`${where}: ${name} must have one weight per value (${valuesLength}), got ${weights.length}`, where, [
      [valuesLength],
      [weights.length],
    ]);
  }
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || w === Infinity) throw new DataError(`${where}: ${name}[${i}] must be finite and >= 0, got ${w}`, name, { index: i });
    sum += w;
  }
  if (!(sum > 0)) throw new DataError(`${where}: ${name} must have a positive sum, got ${sum}`, name);
}

/**
 * Checks a 0/1 label vector of the same length as the scores; returns the number of positives.
 * @throws ShapeError when the lengths differ; DataError for a label other than 0 or 1.
 */
export function checkLabels(where: string, labels: ArrayLike<number>, length: number): number {
  if (labels.length !== length) {
    throw new ShapeError(`${where}: labels must have one entry per score (${length}), got ${labels.length}`, where, [
      [length],
      [labels.length],
    ]);
  }
  let positives = 0;
  for (let i = 0; i < length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new DataError(`${where}: labels[${i}] must be 0 or 1, got ${String(y)}`, 'labels', { index: i });
    positives += y;
  }
  return positives;
}

/**
 * Checks a numeric option against an inclusive/exclusive interval.
 * @throws InvalidOptionError naming the option.
 */
export function checkNumberOption(
  where: string,
  option: string,
  value: number,
  test: (v: number) => boolean,
  constraint: string,
): void {
  if (typeof value !== 'number' || !test(value)) {
    throw new InvalidOptionError(`${where}: option '${option}' must be ${constraint}, got ${String(value)}`, option);
  }
}
