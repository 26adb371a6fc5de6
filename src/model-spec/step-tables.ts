/**
 * Per-feature step functions stored flat: the shape of ECOD's scoring tables, shared by the detector
 * (src/ecod), its checkpoint and the ONNX exporter that writes each feature as one tree.
 */
import type { StepFunction } from '../tensor/index.js';

/**
 * Every feature's step function, concatenated in feature order: feature j owns
 * `thresholds[offsets[j] .. offsets[j+1])` and `values[offsets[j] + j .. offsets[j+1] + j]` (one more
 * value than thresholds).
 */
export interface StepTables {
  /** [T] float32 split points, strictly ascending within a feature. */
  thresholds: Float32Array;
  /** [T + nFeatures] per-step values (float64). */
  values: Float64Array;
  /** [nFeatures + 1] start of each feature's thresholds; offsets[0] = 0, offsets[nFeatures] = T. */
  offsets: Int32Array;
}

/** Views of feature j's step function inside the flat arrays (no copy). Trusts `j` and the offsets. */
export function featureSteps(a: StepTables, j: number): StepFunction<Float32Array> {
  const lo = a.offsets[j]!;
  const hi = a.offsets[j + 1]!;
  return { thresholds: a.thresholds.subarray(lo, hi), values: a.values.subarray(lo + j, hi + j + 1) };
}
