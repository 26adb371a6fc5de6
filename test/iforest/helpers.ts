/** Independent naive re-implementations used as references by the iforest tests. */
import type { ForestArrays, IsolationForestMeta } from '../../src/iforest/index.js';

/** c(n) written out from Liu et al. 2008 / scikit-learn, independently of the library. */
export function cRef(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** Tree t's node range and the column each local feature index names. */
export function treeView(a: ForestArrays, meta: IsolationForestMeta, t: number) {
  const off = a.nodeOffsets[t]!;
  const cols = Array.from(a.features.subarray(t * meta.maxFeatures, (t + 1) * meta.maxFeatures));
  return {
    off,
    count: a.nodeOffsets[t + 1]! - off,
    left: (i: number) => a.childrenLeft[off + i]!,
    right: (i: number) => a.childrenRight[off + i]!,
    column: (i: number) => cols[a.feature[off + i]!]!,
    threshold: (i: number) => a.threshold[off + i]!,
    nSamples: (i: number) => a.nNodeSamples[off + i]!,
    cols,
  };
}

/** scoreSamples by the algorithm in shared/reference/README.md, walking the checkpoint arrays. */
export function naiveScoreSamples(a: ForestArrays, meta: IsolationForestMeta, x: Float32Array, cols: number): number[] {
  const rows = x.length / cols;
  const nTrees = a.nodeOffsets.length - 1;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let t = 0; t < nTrees; t++) {
      const v = treeView(a, meta, t);
      let node = 0;
      let depth = 0;
      while (v.left(node) !== -1) {
        node = x[r * cols + v.column(node)]! <= v.threshold(node) ? v.left(node) : v.right(node);
        depth++;
      }
      sum += depth + cRef(v.nSamples(node));
    }
    out.push(-(2 ** (-sum / (nTrees * cRef(meta.maxSamples)))));
  }
  return out;
}

/** numpy.percentile(values, p) with the default 'linear' method, naive. */
export function percentileRef(values: ArrayLike<number>, p: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  const h = (s.length - 1) * (p / 100);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (h - lo);
}

/** ROC-AUC by counting all (anomaly, normal) pairs: P(score_anomaly > score_normal) + ties / 2. */
export function rocAucPairwise(score: ArrayLike<number>, label: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] !== 1) continue;
    for (let j = 0; j < label.length; j++) {
      if (label[j] !== 0) continue;
      pairs++;
      if (score[i]! > score[j]!) wins += 1;
      else if (score[i] === score[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

/** A deterministic float32 matrix from a tiny LCG (independent of the library's Random). */
export function lcgMatrix(rows: number, cols: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}
