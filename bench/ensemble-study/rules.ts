/**
 * Candidate calibrations (fitted on a member's training scores, applied to the same rows: the ODDS
 * protocol scores the training file) and combination rules (no labels) of the ensemble study.
 * 'robust-z' and 'ecdf' and the rules 'mean' and 'max' are the library's (src/stats/calibration.ts),
 * so the study measures the shipped code; the others are study-only alternatives.
 */
import { applyCalibration, combineScores, fitCalibration, quantile, rocAuc, spearman, spreadWeights, type Labels } from '../../src/stats/index.js';

/** Maps one member's raw training scores to its calibrated scores. */
export type Calibrate = (train: Float64Array) => Float64Array;

/** Combines the calibrated member scores [members][rows] into one score per row. */
export type Rule = (c: readonly Float64Array[]) => Float64Array;

function robustZ(s: Float64Array): Float64Array {
  return applyCalibration(fitCalibration(s, 'robust-z'), s);
}

export const CALIBRATIONS: Record<string, Calibrate> = {
  /** (s - median) / (1.4826 MAD) (library). */
  'robust-z': robustZ,
  /** Empirical CDF #{t < s} / n of the training scores (library); on the training rows, the rank / n. */
  ecdf: (s) => applyCalibration(fitCalibration(s, 'ecdf'), s),
  /** (s - median) / IQR: the same centre, the interquartile range as the scale. */
  'robust-z-iqr': (s) => {
    const [q1, med, q3] = quantile(s, [0.25, 0.5, 0.75]);
    const iqr = q3! - q1! || 1;
    return Float64Array.from(s, (v) => (v - med!) / iqr);
  },
  /** Robust z of log(s - min + IQR / 100): compresses a heavy right tail before scaling. */
  'log-robust-z': (s) => {
    const [q1, q3] = quantile(s, [0.25, 0.75]);
    let min = Infinity;
    for (const v of s) min = Math.min(min, v);
    const floor = (q3! - q1!) / 100 || 1e-12;
    return robustZ(Float64Array.from(s, (v) => Math.log(v - min + floor)));
  },
};

function weighted(c: readonly Float64Array[], w: readonly number[]): Float64Array {
  const total = w.reduce((a, b) => a + b, 0) || 1;
  const out = new Float64Array(c[0]!.length);
  c.forEach((m, k) => {
    for (let i = 0; i < out.length; i++) out[i]! += (w[k]! / total) * m[i]!;
  });
  return out;
}

/** Pseudo-labels: the top 5% of the mean as anomalies against the bottom half as normal rows. */
function pseudoLabelWeights(c: readonly Float64Array[]): number[] {
  const consensus = weighted(c, c.map(() => 1));
  const order = Array.from(consensus.keys()).sort((a, b) => consensus[a]! - consensus[b]!);
  const n = order.length;
  const top = order.slice(n - Math.max(1, Math.floor(0.05 * n)));
  const keep = [...top, ...order.slice(0, n >> 1)];
  const labels: Labels = keep.map((_, i) => (i < top.length ? 1 : 0));
  return c.map((m) => Math.max(0, rocAuc(Float64Array.from(keep, (i) => m[i]!), labels) - 0.5));
}

export const RULES: Record<string, Rule> = {
  mean: (c) => combineScores(c, 'mean'),
  max: (c) => combineScores(c, 'max'),
  /** Mean of the two highest calibrated scores of the row. */
  top2: (c) => Float64Array.from(c[0]!, (_, i) => {
    const v = c.map((m) => m[i]!).sort((a, b) => b - a);
    return (v[0]! + v[1]!) / 2;
  }),
  /** Weights: Spearman agreement of each member with the mean of the others (negative -> 0). */
  agreement: (c) => weighted(c, c.map((m, k) => Math.max(0, spearman(m, weighted(c.filter((_, j) => j !== k), c.slice(1).map(() => 1)))))),
  /** Iterated consensus (SELECT-like): weights = Spearman with the current weighted mean, 10 rounds. */
  consensus: (c) => {
    let w = c.map(() => 1);
    for (let it = 0; it < 10; it++) {
      const cons = weighted(c, w);
      w = c.map((m) => Math.max(0, spearman(m, cons)));
    }
    return weighted(c, w);
  },
  /** Weights: each member's ROC-AUC above 0.5 on pseudo-labels taken from the mean. */
  'pseudo-label': (c) => weighted(c, pseudoLabelWeights(c)),
  /** Weights: (IQR of the member's calibrated scores / 1.349)^p, the library's spreadWeights (ensemble.combination: spread uses p = 3). */
  spread1: (c) => weighted(c, spreadWeights(c, 1)),
  spread2: (c) => weighted(c, spreadWeights(c, 2)),
  spread3: (c) => weighted(c, spreadWeights(c, 3)),
  /** Weights: the mean of the member's top 5% calibrated scores, squared (tail height). */
  'tail-top5': (c) => weighted(c, c.map((m) => {
    const s = Float64Array.from(m).sort();
    const k = Math.max(1, Math.floor(0.05 * s.length));
    let t = 0;
    for (let i = s.length - k; i < s.length; i++) t += s[i]!;
    return Math.max(0, t / k) ** 2;
  })),
};

/**
 * With labels (an upper bound, not a candidate): the convex weights on a 0.05 grid that maximise the
 * mean ROC-AUC over seeds of the weighted mean of robust z scores.
 */
export function oracleWeights(perSeed: readonly { calibrated: readonly Float64Array[]; labels: Labels }[]): { weights: number[]; auc: number } {
  let best = { weights: [1, 0, 0], auc: -1 };
  for (let a = 0; a <= 20; a++) {
    for (let b = 0; a + b <= 20; b++) {
      const w = [a / 20, b / 20, (20 - a - b) / 20];
      const auc = perSeed.reduce((s, p) => s + rocAuc(weighted(p.calibrated, w), p.labels), 0) / perSeed.length;
      if (auc > best.auc) best = { weights: w, auc };
    }
  }
  return best;
}
