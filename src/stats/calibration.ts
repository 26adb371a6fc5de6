/**
 * Score calibration: maps one detector's raw anomaly scores to a scale shared by every detector,
 * fitted on that detector's training scores, so scores of different models can be combined
 * (docs/ensemble.md). Fitted calibrations are plain JSON-able data; applying one is a pure function.
 */
import { InvalidOptionError, ShapeError } from '../errors.js';
import { quantileSorted } from './quantile.js';
import { sortAscending } from './sort.js';
import { mergeSteps, stepAt, type StepFunction } from './step-function.js';
import { checkSample, type FloatArray } from './validate.js';

/** The calibration methods. */
export type CalibrationMethod = 'robust-z' | 'ecdf';

/** `(s - center) / scale`: an affine map, exact in any float precision up to rounding. */
export interface RobustZCalibration {
  method: 'robust-z';
  /** The median of the training scores. */
  center: number;
  /** The interquartile range of the training scores (see {@link fitCalibration} for ties). */
  scale: number;
}

/**
 * The empirical CDF `#{t < s} / n` of the training scores t, as a step function (thresholds: the
 * distinct training scores). 1 - value is the right-tail share of training scores at or above s.
 */
export interface EcdfCalibration extends StepFunction<Float64Array> {
  method: 'ecdf';
}

export type Calibration = RobustZCalibration | EcdfCalibration;

/** Options of {@link fitCalibration}. */
export interface FitCalibrationOptions {
  /** For 'ecdf': merge adjacent steps within this distance (a share of rows) to shrink the table; default 0. */
  tolerance?: number;
}

/**
 * Fits a calibration on training scores `[n]` (higher = more anomalous).
 * - 'robust-z': center = median, scale = q75 - q25 (numpy linear quantiles). When more than half the
 *   scores tie, the IQR is 0; then scale is q90 - q10, else max - min, else 1 (every score equal).
 * - 'ecdf': `F(s) = #{t < s} / n`, a non-decreasing step function from 0 (below every training
 *   score) to 1 (above all of them).
 * @throws DataError for an empty sample or a NaN/Inf score; InvalidOptionError for an unknown method
 *   or a tolerance outside [0, 1].
 */
export function fitCalibration(scores: FloatArray, method: CalibrationMethod, options: FitCalibrationOptions = {}): Calibration {
  checkSample('fitCalibration', 'scores', scores);
  const s = sortAscending(scores);
  if (method === 'robust-z') {
    const spread = (lo: number, hi: number): number => quantileSorted(s, hi) - quantileSorted(s, lo);
    const scale = [spread(0.25, 0.75), spread(0.1, 0.9), spread(0, 1)].find((v) => v > 0) ?? 1;
    return { method, center: quantileSorted(s, 0.5), scale };
  }
  if (method !== 'ecdf') {
    throw new InvalidOptionError(`fitCalibration: method must be 'robust-z' or 'ecdf', got ${JSON.stringify(method)}`, 'method');
  }
  const tolerance = options.tolerance ?? 0;
  if (!(typeof tolerance === 'number' && tolerance >= 0 && tolerance <= 1)) {
    throw new InvalidOptionError(`fitCalibration: option 'tolerance' must be a number in [0, 1], got ${String(tolerance)}`, 'tolerance');
  }
  const n = s.length;
  const thresholds: number[] = [];
  const values: number[] = [0];
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && s[i + 1] === s[i]) continue;
    // s[i] is the last copy of a distinct value: above it lie n - i - 1 scores.
    thresholds.push(s[i]!);
    values.push((i + 1) / n);
  }
  return { method, ...mergeSteps({ thresholds: Float64Array.from(thresholds), values: Float64Array.from(values) }, tolerance) };
}

/**
 * Applies a fitted calibration to scores `[n]`.
 * @returns Float64Array [n] (into `out` when given)
 * @throws DataError for a NaN/Inf score.
 */
export function applyCalibration(c: Calibration, scores: FloatArray, out = new Float64Array(scores.length)): Float64Array {
  checkSample('applyCalibration', 'scores', scores, 0);
  if (c.method === 'robust-z') {
    for (let i = 0; i < scores.length; i++) out[i] = (scores[i]! - c.center) / c.scale;
    return out;
  }
  for (let i = 0; i < scores.length; i++) out[i] = stepAt(c.thresholds, c.values, scores[i]!);
  return out;
}

/** How calibrated member scores become one score: their mean, or their maximum. */
export type CombinationRule = 'mean' | 'max';

/**
 * Combines calibrated scores of several members row by row.
 * @param members [m][n] calibrated scores, m >= 1, every member n rows
 * @returns Float64Array [n] (into `out` when given)
 * @throws ShapeError when members differ in length or there is none; InvalidOptionError for an unknown rule.
 */
export function combineScores(members: readonly FloatArray[], rule: CombinationRule, out?: Float64Array): Float64Array {
  if (members.length === 0) throw new ShapeError('combineScores: members must hold at least 1 score array, got 0', 'combineScores');
  const n = members[0]!.length;
  members.forEach((m, k) => {
    if (m.length !== n) throw new ShapeError(`combineScores: members must have equal lengths, got ${n} and ${m.length} (member ${k})`, 'combineScores', [[n], [m.length]]);
  });
  if (rule !== 'mean' && rule !== 'max') {
    throw new InvalidOptionError(`combineScores: rule must be 'mean' or 'max', got ${JSON.stringify(rule)}`, 'rule');
  }
  const result = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = rule === 'max' ? -Infinity : 0;
    for (let k = 0; k < members.length; k++) acc = rule === 'max' ? Math.max(acc, members[k]![i]!) : acc + members[k]![i]!;
    result[i] = rule === 'max' ? acc : acc / members.length;
  }
  return result;
}
