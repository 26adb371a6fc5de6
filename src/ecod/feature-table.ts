/**
 * One feature of ECOD (Li et al., TKDE 2022, https://doi.org/10.1109/TKDE.2022.3159580): its empirical
 * tail probabilities, skewness sign and the step function that scores any value of the feature.
 */
import { DataError } from '../errors.js';
import { sortAscending } from '../stats/index.js';
import { mergeSteps } from '../tensor/index.js';
import { nextDownFloat32 } from '../tensor/index.js';

/** The fitted form of one feature. */
export interface FeatureTable {
  /** Sign of the feature's (biased) skewness: -1 left tail, +1 right tail, 0 both tails. */
  skewSign: -1 | 0 | 1;
  /** Split points, strictly ascending float32 values; a value `x` falls in step `#{t < x}`. */
  thresholds: Float32Array;
  /** The per-feature score of each step, `thresholds.length + 1` entries, all >= 0. */
  values: Float64Array;
}

/**
 * The paper's per-value outlier score from the left and right tail scores `ul = -log F_left(x)`,
 * `ur = -log F_right(x)`: the skewness picks the tail (`ul` for g < 0, `ur` for g > 0, both summed for
 * g = 0) and the two-sided average is a floor: `max(U_s, (ul + ur) / 2)`.
 */
export function combineTails(ul: number, ur: number, skewSign: -1 | 0 | 1): number {
  const us = skewSign < 0 ? ul : skewSign > 0 ? ur : ul + ur;
  return Math.max(us, (ul + ur) / 2);
}

/**
 * Fits one feature from its column (n finite values, n >= 2). With the distinct sorted values
 * v_0 < ... < v_(m-1) and cum_k = #{x <= v_k}:
 * - at a training value: `F_left(v_k) = cum_k / n`, `F_right(v_k) = (n - cum_(k-1)) / n` (ties share
 *   the top rank), so scoring the training rows gives the paper's training scores;
 * - between two training values: the lower of their two scores (a value never seen in training is
 *   never scored as more anomalous than both of its neighbours);
 * - outside [v_0, v_(m-1)], where an empirical tail probability is 0: the tail probability
 *   `1 / (n + 1)` that the value would have if it were added to the sample, so it scores above every
 *   training value on its side.
 * Thresholds are float32: `x < v` is written `x <= nextDownFloat32(v)`, exact for float32 `x`.
 * @param where, column name the DataError for a constant column
 * @throws DataError when the column is constant (its skewness is undefined)
 */
export function fitFeature(column: Float32Array, tolerance: number, where: string, columnIndex: number): FeatureTable {
  const n = column.length;
  const sorted = sortAscending(column);
  const distinct = new Float64Array(n);
  const cum = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    // -0 === 0: numpy also counts them as one value.
    if (m > 0 && sorted[i] === distinct[m - 1]) {
      cum[m - 1]!++;
      continue;
    }
    distinct[m] = sorted[i]!;
    cum[m] = m > 0 ? cum[m - 1]! + 1 : 1;
    m++;
  }
  if (m < 2) {
    throw new DataError(`${where}: X column ${columnIndex} must not be constant (its skewness is undefined), got every value ${sorted[0]}`);
  }
  const skewSign = skewnessSign(distinct, cum, m, n);
  const values = new Float64Array(m + 2);
  values[0] = combineTails(Math.log(n + 1), 0, skewSign);
  for (let k = 0; k < m; k++) {
    const below = k > 0 ? cum[k - 1]! : 0;
    values[k + 1] = combineTails(-Math.log(cum[k]! / n), -Math.log((n - below) / n), skewSign);
  }
  values[m + 1] = combineTails(0, Math.log(n + 1), skewSign);
  const thresholds = new Float32Array(m + 1);
  thresholds[0] = nextDownFloat32(distinct[0]!);
  for (let k = 0; k + 1 < m; k++) {
    // The gap (v_k, v_(k+1)) joins the neighbour with the lower score.
    thresholds[k + 1] = values[k + 1]! <= values[k + 2]! ? nextDownFloat32(distinct[k + 1]!) : distinct[k]!;
  }
  thresholds[m] = distinct[m - 1]!;
  return { skewSign, ...mergeSteps({ thresholds, values }, tolerance) };
}

/**
 * Sign of the biased sample skewness (scipy.stats.skew) of the values `distinct[k]` repeated
 * `cum[k] - cum[k-1]` times: the sign of the third central moment. Summed over the sorted distinct
 * values, so the result does not depend on the order of the rows.
 */
function skewnessSign(distinct: Float64Array, cum: Float64Array, m: number, n: number): -1 | 0 | 1 {
  let sum = 0;
  for (let k = 0; k < m; k++) sum += (cum[k]! - (k > 0 ? cum[k - 1]! : 0)) * distinct[k]!;
  const mean = sum / n;
  let m3 = 0;
  for (let k = 0; k < m; k++) {
    const d = distinct[k]! - mean;
    m3 += (cum[k]! - (k > 0 ? cum[k - 1]! : 0)) * d * d * d;
  }
  return m3 < 0 ? -1 : m3 > 0 ? 1 : 0;
}
