/**
 * Operating thresholds fitted on (calibrated) training scores, for any detector: a row is flagged
 * when `score > threshold`. Three ways to choose it (docs/ensemble.md, "Thresholds"):
 * - `quantile`: the q-quantile of the fitting scores (numpy linear), dadm's historical default;
 * - `contamination`: the (1 - rate)-quantile, so about `rate` of the fitting rows are flagged
 *   (scikit-learn's IsolationForest offset and PyOD's threshold_ follow this rule);
 * - `target_fpr`: the conformal order statistic `s_(k)`, `k = ceil((n + 1)(1 - fpr))` (computed exactly): when the
 *   fitting rows are normal and a new normal row is exchangeable with them, the chance that it is
 *   flagged is at most `fpr` (Vovk et al. 2005; Bates et al. 2023, "Testing for outliers with
 *   conformal p-values", https://doi.org/10.1214/22-AOS2244).
 */
import { DataError, InvalidOptionError } from '../errors.js';
import { quantileSorted } from './quantile.js';
import { upperBound } from '../tensor/index.js';
import { sortAscending } from './sort.js';
import { checkSample, type FloatArray } from './validate.js';

/** How to choose the threshold. */
export type ThresholdSpec =
  | { method: 'quantile'; q: number }
  | { method: 'contamination'; rate: number }
  | { method: 'target_fpr'; fpr: number };

/** A fitted threshold. */
export interface FittedThreshold {
  /** Flag rows with `score > threshold`. */
  threshold: number;
  /** The false-positive rate it implies for normal rows, {@link impliedFalsePositiveRate} on the fitting scores. */
  impliedFpr: number;
}

function need(ok: boolean, option: string, constraint: string, got: unknown): void {
  if (!ok) throw new InvalidOptionError(`fitThreshold: ${option} must be ${constraint}, got ${String(got)}`, option);
}

/**
 * Fits a threshold on the fitting scores `[n]` (higher = more anomalous).
 * @throws DataError for an empty sample or a NaN/Inf score, or when `target_fpr` is below
 *   `1 / (n + 1)` (no order statistic of n scores can guarantee it); InvalidOptionError for an
 *   unknown method or an out-of-range parameter: q in [0, 1], rate in (0, 0.5], fpr in (0, 1).
 */
export function fitThreshold(scores: FloatArray, spec: ThresholdSpec): FittedThreshold {
  checkSample('fitThreshold', 'scores', scores);
  const s = sortAscending(scores);
  const n = s.length;
  let threshold: number;
  if (spec?.method === 'quantile') {
    need(typeof spec.q === 'number' && spec.q >= 0 && spec.q <= 1, 'q', 'a number in [0, 1]', spec.q);
    threshold = quantileSorted(s, spec.q);
  } else if (spec?.method === 'contamination') {
    need(typeof spec.rate === 'number' && spec.rate > 0 && spec.rate <= 0.5, 'rate', 'a number in (0, 0.5]', spec.rate);
    threshold = quantileSorted(s, 1 - spec.rate);
  } else if (spec?.method === 'target_fpr') {
    need(typeof spec.fpr === 'number' && spec.fpr > 0 && spec.fpr < 1, 'fpr', 'a number in (0, 1)', spec.fpr);
    const k = n + 1 - floorTimes(n + 1, spec.fpr);
    if (k > n) {
      throw new DataError(`fitThreshold: target_fpr ${spec.fpr} must be at least 1 / (n + 1) = ${1 / (n + 1)} for ${n} fitting scores, got ${spec.fpr} (fit on at least ${Math.ceil(1 / spec.fpr) - 1} rows)`, 'target_fpr');
    }
    threshold = s[k - 1]!; // k >= 1 because fpr < 1
  } else {
    throw new InvalidOptionError(`fitThreshold: method must be 'quantile', 'contamination' or 'target_fpr', got ${JSON.stringify((spec as { method?: unknown } | undefined)?.method)}`, 'method');
  }
  return { threshold, impliedFpr: (n - upperBound(s, threshold) + 1) / (n + 1) };
}

/**
 * `floor(count * f)` exactly, for a safe integer count and a double f in (0, 1): `ceil((n + 1)(1 - f))`
 * in floating point can land one below the true value (e.g. n = 63, f = 0.49999999999999994) and break
 * the guarantee, so the product is formed in integers from f's exact binary value `mantissa * 2^exp`.
 */
function floorTimes(count: number, f: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, f);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // Normal numbers carry the implicit leading 1; subnormals have exponent -1074.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const shift = biased === 0 ? 1074 : 1075 - biased;
  return Number((BigInt(count) * mantissa) >> BigInt(shift));
}

/**
 * The share of normal rows a threshold is expected to flag, estimated from fitting scores assumed
 * normal: `(#{s > threshold} + 1) / (n + 1)`, the conformal p-value of a score just above the
 * threshold (an upper estimate: exact in expectation when the threshold is one of the scores and the
 * scores are distinct).
 * @throws DataError for an empty sample, a NaN/Inf score or a non-finite threshold.
 */
export function impliedFalsePositiveRate(scores: FloatArray, threshold: number): number {
  checkSample('impliedFalsePositiveRate', 'scores', scores);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new DataError(`impliedFalsePositiveRate: threshold must be a finite number, got ${String(threshold)}`, 'threshold');
  }
  const s = sortAscending(scores);
  return (s.length - upperBound(s, threshold) + 1) / (s.length + 1);
}
