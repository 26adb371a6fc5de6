/**
 * Candidate calibrations (fitted on the training scores, applied per row) and combination rules
 * (no labels) of the ensemble study. Each candidate is a pure function of the members' training
 * scores; the study evaluates every calibration x rule pair.
 */
import { quantile, spearman } from '../../src/stats/index.js';

/** Maps raw scores to a comparable scale, fitted on the member's training scores. */
export type Calibration = (train: Float64Array) => (s: Float64Array) => Float64Array;

/** Combines the calibrated member scores [members][rows] into one score per row. */
export type Rule = (c: readonly Float64Array[]) => Float64Array;

function sorted(a: Float64Array): Float64Array {
  return Float64Array.from(a).sort();
}

/** Number of values in ascending `s` that are < x. */
function countBelow(s: Float64Array, x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values in ascending `s` that are <= x. */
function countAtMost(s: Float64Array, x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const CALIBRATIONS: Record<string, Calibration> = {
  /** Empirical CDF of the training scores: F(s) = #{t <= s} / n, in (0, 1]. */
  ecdf: (train) => {
    const s = sorted(train);
    return (x) => Float64Array.from(x, (v) => countAtMost(s, v) / s.length);
  },
  /** -log((#{t >= s} + 1) / (n + 1)): the ECDF with its upper tail stretched. */
  'tail-log': (train) => {
    const s = sorted(train);
    return (x) => Float64Array.from(x, (v) => -Math.log((s.length - countBelow(s, v) + 1) / (s.length + 1)));
  },
  /** Robust z: (s - median) / IQR. */
  'robust-z': (train) => {
    const [q1, med, q3] = quantile(train, [0.25, 0.5, 0.75]);
    const iqr = q3! - q1! || 1;
    return (x) => Float64Array.from(x, (v) => (v - med!) / iqr);
  },
  /** z-score: (s - mean) / std. */
  z: (train) => {
    let m = 0;
    for (const v of train) m += v;
    m /= train.length;
    let ss = 0;
    for (const v of train) ss += (v - m) ** 2;
    const sd = Math.sqrt(ss / train.length) || 1;
    return (x) => Float64Array.from(x, (v) => (v - m) / sd);
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

function meanOfOthers(c: readonly Float64Array[], skip: number): Float64Array {
  return weighted(c.filter((_, k) => k !== skip), c.map(() => 1).slice(1));
}

export const RULES: Record<string, Rule> = {
  mean: (c) => weighted(c, c.map(() => 1)),
  max: (c) => Float64Array.from(c[0]!, (_, i) => Math.max(...c.map((m) => m[i]!))),
  median: (c) => Float64Array.from(c[0]!, (_, i) => c.map((m) => m[i]!).sort((a, b) => a - b)[c.length >> 1]!),
  /** Weight each member by its Spearman agreement with the mean of the others (negative -> 0). */
  agreement: (c) => weighted(c, c.map((m, k) => Math.max(0, spearman(m, meanOfOthers(c, k))))),
  /** Iterated consensus: weights = Spearman with the current weighted mean, 10 rounds from equal weights. */
  consensus: (c) => {
    let w = c.map(() => 1);
    for (let it = 0; it < 10; it++) {
      const cons = weighted(c, w);
      w = c.map((m) => Math.max(0, spearman(m, cons)));
    }
    return weighted(c, w);
  },
};
