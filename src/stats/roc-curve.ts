/**
 * ROC and precision–recall curves of anomaly scores (higher score = more anomalous, label 1 =
 * anomaly), equal to scikit-learn's `roc_curve` and `precision_recall_curve`.
 */
import { DataError } from '../errors.js';
import { argsortAscending } from './ranking.js';
import { checkLabels, checkSample, type FloatArray } from './validate.js';
import type { Labels } from './classification-metrics.js';

/** Cumulative counts at each distinct score, from the highest score down. */
export interface ThresholdCounts {
  /** `[k]` false / true positives among samples with `score >= thresholds[i]`. */
  fps: Float64Array;
  tps: Float64Array;
  /** `[k]` the distinct scores, descending. */
  thresholds: Float64Array;
}

/** Kernel of both curves (= sklearn's `_binary_clf_curve` without weights): tied scores enter together. */
export function thresholdCounts(scores: FloatArray, labels: Labels): ThresholdCounts {
  const order = argsortAscending(scores);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = order.length - 1; k >= 0; ) {
    const s = scores[order[k]!]!;
    while (k >= 0 && scores[order[k]!]! === s) {
      if (labels[order[k]!] === 1) tp++;
      else fp++;
      k--;
    }
    fps.push(fp);
    tps.push(tp);
    thresholds.push(s);
  }
  return { fps: Float64Array.from(fps), tps: Float64Array.from(tps), thresholds: Float64Array.from(thresholds) };
}

/** A ROC curve: point i flags every sample with `score >= thresholds[i]`. */
export interface RocCurve {
  /** `[k]` false positive rate, ascending from 0 to 1. */
  fpr: Float64Array;
  /** `[k]` true positive rate (recall), ascending from 0 to 1. */
  tpr: Float64Array;
  /** `[k]` decreasing; `thresholds[0]` is Infinity (nothing flagged: the point (0, 0)). */
  thresholds: Float64Array;
}

/**
 * The ROC curve (= `sklearn.metrics.roc_curve(labels, scores, drop_intermediate=...)`, scikit-learn
 * 1.2; except that the first threshold is Infinity, as in scikit-learn >= 1.3, instead of max + 1).
 * With `dropIntermediate` (default, as sklearn) points collinear with their neighbours are dropped:
 * they do not change the plotted curve or its area.
 * @param scores [n] finite; labels [n] of 0/1 with both classes present
 * @throws DataError when only one class is present, a label is not 0/1 or a score is NaN/Inf;
 *   ShapeError when lengths differ.
 */
export function rocCurve(scores: FloatArray, labels: Labels, opts: { dropIntermediate?: boolean } = {}): RocCurve {
  checkSample('rocCurve', 'scores', scores);
  const pos = checkLabels('rocCurve', labels, scores.length);
  if (pos === 0 || pos === scores.length) {
    throw new DataError(`rocCurve: labels must contain both classes, got ${pos} positive and ${scores.length - pos} negative`, 'labels');
  }
  const c = thresholdCounts(scores, labels);
  const n = c.fps.length;
  const drop = (opts.dropIntermediate ?? true) && n > 2;
  // A point is kept when it is an end or a corner: the second difference of fps or tps is non-zero there (sklearn's rule).
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    const end = i === 0 || i === n - 1;
    if (!drop || end || c.fps[i + 1]! - 2 * c.fps[i]! + c.fps[i - 1]! !== 0 || c.tps[i + 1]! - 2 * c.tps[i]! + c.tps[i - 1]! !== 0) keep.push(i);
  }
  const neg = scores.length - pos;
  const fpr = new Float64Array(keep.length + 1);
  const tpr = new Float64Array(keep.length + 1);
  const thresholds = new Float64Array(keep.length + 1);
  thresholds[0] = Infinity;
  for (let j = 0; j < keep.length; j++) {
    fpr[j + 1] = c.fps[keep[j]!]! / neg;
    tpr[j + 1] = c.tps[keep[j]!]! / pos;
    thresholds[j + 1] = c.thresholds[keep[j]!]!;
  }
  return { fpr, tpr, thresholds };
}

/** A precision–recall curve, ordered by decreasing recall (sklearn's order). */
export interface PrecisionRecallCurve {
  /** `[k + 1]` precision at each threshold, then 1 (the point at recall 0). */
  precision: Float64Array;
  /** `[k + 1]` recall at each threshold, decreasing, then 0. */
  recall: Float64Array;
  /** `[k]` the distinct scores, increasing; point i flags `score >= thresholds[i]`. */
  thresholds: Float64Array;
}

/**
 * The precision–recall curve (= `sklearn.metrics.precision_recall_curve(labels, scores)`,
 * scikit-learn 1.2): one point per distinct score, precision 0 where nothing is flagged, plus the
 * final point (recall 0, precision 1).
 * @param scores [n] finite; labels [n] of 0/1 with at least one positive
 * @throws DataError when there is no positive label, a label is not 0/1 or a score is NaN/Inf;
 *   ShapeError when lengths differ.
 */
export function precisionRecallCurve(scores: FloatArray, labels: Labels): PrecisionRecallCurve {
  checkSample('precisionRecallCurve', 'scores', scores);
  const pos = checkLabels('precisionRecallCurve', labels, scores.length);
  if (pos === 0) throw new DataError(`precisionRecallCurve: labels must contain at least one positive, got 0 of ${scores.length}`, 'labels');
  const c = thresholdCounts(scores, labels);
  const k = c.tps.length;
  const precision = new Float64Array(k + 1);
  const recall = new Float64Array(k + 1);
  const thresholds = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const j = k - 1 - i; // reversed: recall decreasing
    const flagged = c.tps[j]! + c.fps[j]!;
    precision[i] = flagged > 0 ? c.tps[j]! / flagged : 0;
    recall[i] = c.tps[j]! / pos;
    thresholds[i] = c.thresholds[j]!;
  }
  precision[k] = 1;
  recall[k] = 0;
  return { precision, recall, thresholds };
}
