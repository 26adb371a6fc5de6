/**
 * Score calibration: maps one detector's raw anomaly scores to a scale shared by every detector,
 * fitted on that detector's training scores, so scores of different models can be combined
 * (docs/ensemble.md). Fitted calibrations are plain JSON-able data; applying one is a pure function.
 */
import { InvalidOptionError, ShapeError } from '../errors.js';
import { quantileSorted } from './quantile.js';
import { sortAscending } from './sort.js';
import { mergeSteps, stepAt, type StepFunction } from '../tensor/index.js';
import { checkSample, type FloatArray } from './validate.js';

/** 1 / Phi^-1(3/4): MAD x this estimates the standard deviation of normal data. */
const MAD_TO_SD = 1.482602218505602;
/** sqrt(pi / 2): mean absolute deviation x this estimates the standard deviation of normal data. */
const MEAN_AD_TO_SD = 1.2533141373155001;

/** The calibration methods. */
export type CalibrationMethod = 'robust-z' | 'ecdf';

/** `(s - center) / scale`: an affine map, exact in any float precision up to rounding. */
export interface RobustZCalibration {
  method: 'robust-z';
  /** The median of the training scores. */
  center: number;
  /** 1.4826 x their median absolute deviation from the median (see {@link fitCalibration} for ties). */
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
 * - 'robust-z': the robust z-score `(s - median) / (1.4826 MAD)`, MAD the median absolute deviation from
 *   the median (numpy linear medians); 1.4826 = 1 / Phi^-1(3/4) makes the scale the standard deviation
 *   for normal scores (Rousseeuw & Croux 1993, https://doi.org/10.1080/01621459.1993.10476408). When
 *   more than half the scores tie, MAD is 0; then the scale is 1.2533 (= sqrt(pi / 2), the same
 *   consistency for the mean absolute deviation) x the mean absolute deviation from the median, and 1
 *   when every score is equal.
 * - 'ecdf': `F(s) = #{t < s} / n`, a non-decreasing step function from 0 (below every training
 *   score) to 1 (above all of them).
 * @throws DataError for an empty sample or a NaN/Inf score; InvalidOptionError for an unknown method
 *   or a tolerance outside [0, 1].
 */
export function fitCalibration(scores: FloatArray, method: CalibrationMethod, options: FitCalibrationOptions = {}): Calibration {
  checkSample('fitCalibration', 'scores', scores);
  const s = sortAscending(scores);
  if (method === 'robust-z') {
    const center = quantileSorted(s, 0.5);
    const deviations = new Float64Array(s.length);
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += deviations[i] = Math.abs(s[i]! - center);
    const mad = quantileSorted(sortAscending(deviations), 0.5);
    const scale = mad > 0 ? MAD_TO_SD * mad : sum > 0 ? MEAN_AD_TO_SD * (sum / s.length) : 1;
    return { method, center, scale };
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
