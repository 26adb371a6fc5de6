/**
 * Step functions of one variable, the shape shared by ECOD's per-feature scoring tables and the
 * exporters that write them as ai.onnx.ml TreeEnsembleRegressor trees (one BRANCH_LEQ split per
 * threshold): `f(x) = values[i]` for `thresholds[i-1] < x <= thresholds[i]`, i.e.
 * `f(x) = values[#{t in thresholds : t < x}]`.
 */
import { lowerBound, type FloatArray } from './sorted-search.js';

/** A step function: `thresholds` [p] strictly ascending, `values` [p + 1]. */
export interface StepFunction<T extends FloatArray = FloatArray> {
  thresholds: T;
  values: Float64Array;
}

/** Kernel: the value of the step function at `x` (binary search, O(log p)). Trusts its arguments. */
export function stepAt(thresholds: FloatArray, values: Float64Array, x: number): number {
  return values[lowerBound(thresholds, x)]!;
}

/**
 * Merges runs of adjacent steps whose values span at most `2 * tolerance` into one step valued at
 * the midpoint of the run's smallest and largest value, so no value moves by more than `tolerance`
 * (runs are grown greedily from the left). Tolerance 0 merges only equal neighbours, which changes
 * nothing. Order is kept: a non-decreasing run of values stays non-decreasing. Returns new arrays (thresholds of the input's type).
 * Kernel: trusts `tolerance >= 0` and a well-formed step function.
 */
export function mergeSteps<T extends FloatArray>(f: StepFunction<T>, tolerance: number): StepFunction<T> {
  const p = f.thresholds.length;
  const thresholds = f.thresholds.slice() as T;
  const values = new Float64Array(p + 1);
  let kept = 0;
  let lo = f.values[0]!;
  let hi = lo;
  for (let i = 1; i <= p; i++) {
    const v = f.values[i]!;
    const nextLo = Math.min(lo, v);
    const nextHi = Math.max(hi, v);
    if (nextHi - nextLo <= 2 * tolerance) {
      lo = nextLo;
      hi = nextHi;
      continue;
    }
    // Step i starts a new run: the threshold between step i-1 and step i stays.
    values[kept] = lo === hi ? lo : lo + (hi - lo) / 2;
    thresholds[kept] = f.thresholds[i - 1]!;
    kept++;
    lo = hi = v;
  }
  values[kept] = lo === hi ? lo : lo + (hi - lo) / 2;
  return { thresholds: thresholds.slice(0, kept) as T, values: values.slice(0, kept + 1) };
}

/**
 * What is wrong with `f` as a step function, or null when it is well-formed: `values` one longer than
 * `thresholds`, thresholds strictly ascending and not NaN, values finite. Callers wrap the text in
 * their own error (a FormatError for a checkpoint, an InvalidOptionError for an argument).
 */
export function stepFunctionProblem(f: StepFunction): string | null {
  if (typeof f !== 'object' || f === null || !(f.thresholds instanceof Float32Array || f.thresholds instanceof Float64Array) || !(f.values instanceof Float64Array)) {
    return 'must be { thresholds: Float32Array | Float64Array, values: Float64Array }';
  }
  const p = f.thresholds.length;
  if (f.values.length !== p + 1) return `values must have thresholds.length + 1 = ${p + 1} entries, got ${f.values.length}`;
  for (let i = 0; i < p; i++) {
    const t = f.thresholds[i]!;
    if (Number.isNaN(t)) return `thresholds must be numbers, got NaN at step ${i}`;
    if (i > 0 && !(t > f.thresholds[i - 1]!)) return `thresholds must be strictly ascending, got ${f.thresholds[i - 1]} then ${t}`;
  }
  for (let i = 0; i <= p; i++) {
    if (!Number.isFinite(f.values[i]!)) return `values must be finite, got ${f.values[i]} at step ${i}`;
  }
  return null;
}
