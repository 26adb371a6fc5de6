/**
 * Folding a standardizer into split thresholds, so that a model fitted on standardized rows reads raw
 * rows in an exported graph with exactly the same decisions: the forest's node thresholds
 * (iforest/export.ts) and ECOD's per-feature step tables (ecod/export.ts).
 */
import type { StepTables } from '../model-spec/index.js';
import type { Standardizer } from '../schema/index.js';

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
/** Largest finite float32 as an ordered key (bit pattern 0x7f7fffff). */
const MAX_KEY = 0x7f7fffff;

/** The float32 with ordered key k: keys run monotonically with the values, 0 = +-0. */
function fromKey(k: number): number {
  I32[0] = k >= 0 ? k : -k | 0x80000000;
  return F32[0]!;
}

/**
 * The largest float32 x with `fround((x - mean) / scale) <= t` (scale > 0), by bisection over the
 * ordered float32 bit patterns; +Infinity when every finite x passes, -Infinity when none does.
 */
export function rawThresholdFor(t: number, mean: number, scale: number): number {
  const passes = (k: number): boolean => Math.fround((fromKey(k) - mean) / scale) <= t;
  if (passes(MAX_KEY)) return Infinity;
  if (!passes(-MAX_KEY)) return -Infinity;
  let lo = -MAX_KEY; // passes
  let hi = MAX_KEY; // fails
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid)) lo = mid;
    else hi = mid;
  }
  return fromKey(lo);
}

/**
 * Step tables over standardized columns `z_j = fround((x_j - mean[j]) / scale[j])`, rewritten over the
 * raw columns x_j with the same value at every float32 x: each threshold t becomes
 * {@link rawThresholdFor}(t); a step no raw float32 reaches (its two bounds map to the same raw value, or
 * to +-Infinity) is dropped, so the raw thresholds stay strictly ascending.
 * @param columns the standardizer column each table reads (table j reads column `columns[j]`)
 */
export function foldScalerIntoSteps(tables: StepTables, columns: readonly number[], s: Standardizer): StepTables {
  const thresholds: number[] = [];
  const values: number[] = [];
  const offsets = new Int32Array(columns.length + 1);
  for (let j = 0; j < columns.length; j++) {
    const col = columns[j]!;
    const lo = tables.offsets[j]!;
    const p = tables.offsets[j + 1]! - lo;
    // Step k covers the raw interval (upper(k - 1), upper(k)]; the mapping is monotone, so an empty
    // interval has equal bounds and dropping it leaves its neighbours contiguous.
    let below = -Infinity;
    let kept = 0;
    for (let k = 0; k <= p; k++) {
      const upper = k < p ? rawThresholdFor(tables.thresholds[lo + k]!, s.mean[col]!, s.scale[col]!) : Infinity;
      if (below < upper) {
        if (kept > 0) thresholds.push(below);
        values.push(tables.values[lo + j + k]!);
        kept++;
      }
      below = upper;
    }
    offsets[j + 1] = thresholds.length;
  }
  return { thresholds: Float32Array.from(thresholds), values: Float64Array.from(values), offsets };
}
