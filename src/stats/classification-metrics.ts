/** Ranking-quality metrics for anomaly scores (higher score = more anomalous, label 1 = anomaly). */
import { DataError, InvalidOptionError } from '../errors.js';
import { argsortAscending, rankSorted } from './ranking.js';
import { checkLabels, checkSample, type FloatArray } from './validate.js';
import { thresholdCounts } from './roc-curve.js';

/** Labels: 1 = positive (anomaly), 0 = negative; any numeric array-like (Uint8Array, number[], ...). */
export type Labels = ArrayLike<number>;

function checkScored(where: string, scores: FloatArray, labels: Labels): number {
  checkSample(where, 'scores', scores);
  return checkLabels(where, labels, scores.length);
}

/**
 * Area under the ROC curve of `scores` for `labels` (= sklearn.metrics.roc_auc_score for binary labels):
 * the probability that a random positive scores above a random negative, ties counting one half
 * (Mann–Whitney U / (P N) with average ranks).
 * @param scores [n] finite; labels [n] of 0/1 with both classes present
 * @throws DataError when only one class is present, a label is not 0/1 or a score is NaN/Inf;
 *   ShapeError when lengths differ.
 */
export function rocAuc(scores: FloatArray, labels: Labels): number {
  const pos = checkScored('rocAuc', scores, labels);
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) {
    throw new DataError(`rocAuc: labels must contain both classes, got ${pos} positive and ${neg} negative`, 'labels');
  }
  const ranks = rankSorted(scores, argsortAscending(scores));
  let rankSum = 0;
  for (let i = 0; i < ranks.length; i++) if (labels[i] === 1) rankSum += ranks[i]!;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Average precision (= sklearn.metrics.average_precision_score): `sum_k (R_k - R_(k-1)) P_k` over
 * the distinct score thresholds taken from high to low, a threshold flagging `score >= t`; step-wise,
 * no interpolation; tied scores enter together.
 * @param scores [n] finite; labels [n] of 0/1 with at least one positive
 * @throws DataError when there is no positive label, a label is not 0/1 or a score is NaN/Inf;
 *   ShapeError when lengths differ.
 */
export function averagePrecision(scores: FloatArray, labels: Labels): number {
  const pos = checkScored('averagePrecision', scores, labels);
  if (pos === 0) throw new DataError(`averagePrecision: labels must contain at least one positive, got 0 of ${scores.length}`, 'labels');
  const order = argsortAscending(scores);
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let k = order.length - 1; k >= 0; ) {
    const s = scores[order[k]!]!;
    while (k >= 0 && scores[order[k]!]! === s) {
      tp += labels[order[k]!]!;
      seen++;
      k--;
    }
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/** Confusion counts and derived rates at one threshold. */
export interface PrecisionRecall {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** tp / (tp + fp); 0 when nothing is flagged (sklearn's zero_division=0). */
  precision: number;
  /** tp / (tp + fn); 0 when there is no positive label. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
}

/**
 * Precision and recall when every sample with `score > threshold` (strictly greater) is flagged.
 * @param scores [n] finite; labels [n] of 0/1; threshold finite
 * @throws DataError for a NaN/Inf score or threshold or a label other than 0/1; ShapeError when lengths differ.
 */
export function precisionRecallAt(scores: FloatArray, labels: Labels, threshold: number): PrecisionRecall {
  checkScored('precisionRecallAt', scores, labels);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new DataError(`precisionRecallAt: threshold must be a finite number, got ${String(threshold)}`, 'threshold');
  }
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i]! > threshold;
    if (labels[i] === 1) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  }
  return rates(tp, fp, tn, fn);
}

/** Precision, recall and F1 from confusion counts (0 where a denominator is 0, sklearn's zero_division=0). */
function rates(tp: number, fp: number, tn: number, fn: number): PrecisionRecall {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, tn, fn, precision, recall, f1 };
}

/** A threshold with its confusion counts and rates (rows with `score > threshold` flagged). */
export interface OperatingPoint extends PrecisionRecall {
  threshold: number;
  /** fp / (fp + tn): the share of labelled negatives flagged. */
  fpr: number;
}

function pointAt(threshold: number, tp: number, fp: number, pos: number, neg: number): OperatingPoint {
  return { threshold, ...rates(tp, fp, neg - fp, pos - tp), fpr: neg > 0 ? fp / neg : 0 };
}

/**
 * For each target false-positive rate `a`, the lowest threshold that flags at most `floor(a N)` of
 * the N labelled negatives (the `(floor(a N) + 1)`-th largest negative score), with its precision,
 * recall and F1 — the operating points to print beside the fitted threshold.
 * @param scores [n] finite; labels [n] of 0/1 with at least one negative; fprs each in [0, 1)
 * @throws DataError when there is no negative, a label is not 0/1 or a score is NaN/Inf;
 *   ShapeError when lengths differ; InvalidOptionError for a target outside [0, 1).
 */
export function operatingPointsAtFpr(scores: FloatArray, labels: Labels, fprs: readonly number[]): OperatingPoint[] {
  const pos = checkScored('operatingPointsAtFpr', scores, labels);
  const neg = scores.length - pos;
  if (neg === 0) throw new DataError(`operatingPointsAtFpr: labels must contain at least one negative, got 0 of ${scores.length}`, 'labels');
  const negatives = new Float64Array(neg);
  for (let i = 0, k = 0; i < scores.length; i++) if (labels[i] === 0) negatives[k++] = scores[i]!;
  negatives.sort();
  return fprs.map((a, j) => {
    if (typeof a !== 'number' || !(a >= 0 && a < 1)) {
      throw new InvalidOptionError(`operatingPointsAtFpr: fprs[${j}] must be a number in [0, 1), got ${String(a)}`, 'fprs');
    }
    const threshold = negatives[neg - 1 - Math.floor(a * neg)]!;
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < scores.length; i++) {
      if (scores[i]! > threshold) {
        if (labels[i] === 1) tp++;
        else fp++;
      }
    }
    return pointAt(threshold, tp, fp, pos, neg);
  });
}

/**
 * The threshold with the highest F1 among all distinct cut points (flag the rows scoring above each
 * distinct score, or every row: threshold -Infinity); ties go to the highest threshold.
 * @param scores [n] finite; labels [n] of 0/1 with at least one positive
 * @throws DataError when there is no positive, a label is not 0/1 or a score is NaN/Inf;
 *   ShapeError when lengths differ.
 */
export function bestF1(scores: FloatArray, labels: Labels): OperatingPoint {
  const pos = checkScored('bestF1', scores, labels);
  if (pos === 0) throw new DataError(`bestF1: labels must contain at least one positive, got 0 of ${scores.length}`, 'labels');
  const neg = scores.length - pos;
  const { fps, tps, thresholds } = thresholdCounts(scores, labels);
  let best = pointAt(thresholds[0]!, 0, 0, pos, neg);
  for (let i = 0; i < thresholds.length; i++) {
    // Every row scoring >= thresholds[i] is flagged: the threshold is the next lower distinct score.
    const p = pointAt(i + 1 < thresholds.length ? thresholds[i + 1]! : -Infinity, tps[i]!, fps[i]!, pos, neg);
    if (p.f1 > best.f1) best = p;
  }
  return best;
}
