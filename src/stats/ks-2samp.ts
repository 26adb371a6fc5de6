/** Two-sample Kolmogorov–Smirnov test, = scipy.stats.ks_2samp (scipy 1.10). */
import { InvalidOptionError } from '../errors.js';
import { roundHalfEven } from '../tensor/index.js';
import { kstwoSf } from './kolmogorov.js';
import { binom, countPathsOutside, probOutsideInside, probOutsideSquare } from './ks-exact.js';
import { sortAscending } from './sort.js';
import { checkSample, type FloatArray } from './validate.js';

export type KsAlternative = 'two-sided' | 'less' | 'greater';
export type KsMethod = 'auto' | 'exact' | 'asymp';

/** Options of {@link ks2samp}. */
export interface Ks2sampOptions {
  /** 'two-sided' (default): F1 != F2; 'less': F1 >= F2 vs some F1 < F2 (statistic max(F2 - F1)); 'greater': the reverse. */
  alternative?: KsAlternative;
  /** 'auto' (default): exact when max(n1, n2) <= 10000, else asymptotic. 'exact' falls back to 'asymp' if it fails. */
  method?: KsMethod;
}

export interface Ks2sampResult {
  /** max |F1 - F2| (two-sided) or the one-sided maximum; exact method: rounded to a multiple of 1/lcm(n1, n2). */
  statistic: number;
  /** p-value, clipped to [0, 1]. */
  pvalue: number;
  /** The sample value at which the statistic is attained (first in data1-then-data2 sorted order). */
  statisticLocation: number;
  /** +1 when the statistic is max(F1 - F2), -1 when it is max(F2 - F1). */
  statisticSign: 1 | -1;
  methodUsed: 'exact' | 'asymp';
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/**
 * Kernel: extreme differences of right-continuous ECDFs F1 - F2 over all sample points, in scipy's
 * order (every value of sorted data1, then of sorted data2; first occurrence wins).
 */
function ecdfExtremes(s1: FloatArray, s2: FloatArray) {
  const n1 = s1.length;
  const n2 = s2.length;
  let max = -Infinity;
  let min = Infinity;
  let locMax = 0;
  let locMin = 0;
  for (let pass = 0; pass < 2; pass++) {
    const own = pass === 0 ? s1 : s2;
    const other = pass === 0 ? s2 : s1;
    let iOwn = 0;
    let iOther = 0;
    for (let k = 0; k < own.length; k++) {
      const x = own[k]!;
      while (iOwn < own.length && own[iOwn]! <= x) iOwn++;
      while (iOther < other.length && other[iOther]! <= x) iOther++;
      const diff = pass === 0 ? iOwn / n1 - iOther / n2 : iOther / n1 - iOwn / n2;
      if (diff > max) {
        max = diff;
        locMax = x;
      }
      if (diff < min) {
        min = diff;
        locMin = x;
      }
    }
  }
  return { max, min, locMax, locMin };
}

/** scipy's `_attempt_exact_2kssamp`: the exact p-value, or NaN when it overflows or leaves [0, 1]. */
function exactPvalue(n1: number, n2: number, g: number, h: number, alternative: KsAlternative): number {
  if (h === 0) return 1;
  let prob: number;
  if (alternative === 'two-sided') {
    prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h);
  } else if (n1 === n2) {
    prob = 1;
    for (let j = 0; j < h; j++) prob *= (n1 - j) / (n1 + j + 1);
  } else {
    const total = binom(n1 + n2, n1);
    if (!Number.isFinite(total)) return NaN;
    const paths = countPathsOutside(n1, n2, g, h);
    if (!Number.isFinite(paths) || paths > total) return NaN;
    prob = paths / total;
  }
  return prob >= 0 && prob <= 1 ? prob : NaN;
}

/**
 * Two-sample Kolmogorov–Smirnov test, reproducing scipy.stats.ks_2samp (1.10): statistic from
 * `searchsorted(side="right")` ECDFs; exact p-values by lattice-path counting; asymptotic two-sided
 * p = kstwo.sf(D, round(en)) with en = n1 n2 / (n1 + n2) (n clamped to >= 1, where scipy would return
 * NaN for n1 = n2 = 1); asymptotic one-sided p = exp(-2 z^2 - 2 z (m + 2n) / sqrt(m n (m + n)) / 3),
 * z = sqrt(en) D, m >= n. Falls back from 'exact' to 'asymp' (`methodUsed`) when the exact computation
 * overflows, as scipy does (it warns; we report it in the result). Inputs are not modified.
 * @param data1 sample [n1], n1 >= 1, finite; data2 sample [n2], n2 >= 1, finite
 * @throws DataError for an empty sample or a NaN/Inf value; InvalidOptionError for an unknown option.
 */
export function ks2samp(data1: FloatArray, data2: FloatArray, opts: Ks2sampOptions = {}): Ks2sampResult {
  const alternative = opts.alternative ?? 'two-sided';
  let method = opts.method ?? 'auto';
  if (!['two-sided', 'less', 'greater'].includes(alternative)) {
    throw new InvalidOptionError(`ks2samp: option 'alternative' must be 'two-sided', 'less' or 'greater', got ${String(alternative)}`, 'alternative');
  }
  if (!['auto', 'exact', 'asymp'].includes(method)) {
    throw new InvalidOptionError(`ks2samp: option 'method' must be 'auto', 'exact' or 'asymp', got ${String(method)}`, 'method');
  }
  checkSample('ks2samp', 'data1', data1);
  checkSample('ks2samp', 'data2', data2);
  const n1 = data1.length;
  const n2 = data2.length;
  const ext = ecdfExtremes(sortAscending(data1), sortAscending(data2));
  const minS = Math.min(Math.max(-ext.min, 0), 1);
  const useMin = alternative === 'less' || (alternative === 'two-sided' && minS > ext.max);
  let d = useMin ? minS : ext.max;
  const statisticLocation = useMin ? ext.locMin : ext.locMax;
  const statisticSign = useMin ? -1 : 1;

  const g = gcd(n1, n2);
  if (method === 'auto') method = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact' && n1 / g >= INT32_MAX / (n2 / g)) method = 'asymp';
  let pvalue = NaN;
  if (method === 'exact') {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    pvalue = exactPvalue(n1, n2, g, h, alternative);
    if (Number.isNaN(pvalue)) method = 'asymp';
  }
  if (method === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    if (alternative === 'two-sided') {
      pvalue = kstwoSf(d, Math.max(1, roundHalfEven(en)));
    } else {
      const z = Math.sqrt(en) * d;
      pvalue = Math.exp(-2 * z * z - (2 * z * (m + 2 * n)) / Math.sqrt(m * n * (m + n)) / 3);
    }
  }
  pvalue = Math.min(Math.max(pvalue, 0), 1);
  return { statistic: d, pvalue, statisticLocation, statisticSign, methodUsed: method === 'exact' ? 'exact' : 'asymp' };
}
