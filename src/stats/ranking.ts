/** Ranks and rank correlation. */
import { ShapeError } from '../errors.js';
import { checkSample, type FloatArray } from './validate.js';

/** Kernel: indices of `data` in ascending order of value (ties in index order). */
export function argsortAscending(data: FloatArray): Int32Array {
  const order = new Int32Array(data.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => data[a]! - data[b]! || a - b);
}

/** Kernel: average ranks (1-based) of finite values. */
export function rankSorted(data: FloatArray, order: Int32Array): Float64Array {
  const n = data.length;
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && data[order[j]!]! === data[order[i]!]!) j++;
    const avg = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]!] = avg;
    i = j;
  }
  return ranks;
}

/**
 * Ranks from 1 to n, ties sharing the average of the ranks they span
 * (= scipy.stats.rankdata(data, method="average")).
 * @param data values [n], finite (may be empty)
 * @returns ranks [n] in the input order
 * @throws DataError for a NaN/Inf value (named by index).
 */
export function rankData(data: FloatArray): Float64Array {
  checkSample('rankData', 'data', data, 0);
  return rankSorted(data, argsortAscending(data));
}

/**
 * Spearman rank correlation = Pearson correlation of the average ranks (= scipy.stats.spearmanr(a, b)
 * statistic). Returns NaN when either input is constant (the correlation is undefined; scipy also
 * returns NaN), so a check like `rho >= 0.9` fails safely.
 * @param a values [n], b values [n], n >= 2, finite
 * @throws ShapeError when lengths differ; DataError for fewer than 2 values or a NaN/Inf value.
 */
export function spearman(a: FloatArray, b: FloatArray): number {
  checkSample('spearman', 'a', a, 2);
  checkSample('spearman', 'b', b, 2);
  if (a.length !== b.length) {
    throw new ShapeError(`spearman: a and b must have the same length, got ${a.length} and ${b.length}`, 'spearman', [[a.length], [b.length]]);
  }
  const ra = rankSorted(a, argsortAscending(a));
  const rb = rankSorted(b, argsortAscending(b));
  const n = ra.length;
  const mean = (n + 1) / 2; // ranks always average (n+1)/2
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i]! - mean;
    const db = rb[i]! - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}
