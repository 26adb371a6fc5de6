/** numpy.quantile(method="linear") in float64. */
import { InvalidOptionError } from '../errors.js';
import { sortAscending } from './sort.js';
import { checkSample, type FloatArray } from './validate.js';

/**
 * The `q`-quantile of an ascending sample, exactly as numpy 1.24 `quantile(method="linear")`:
 * `h = (n-1) q`, `lo = floor(h)`, `g = h - lo`, `a = s[lo]`, `b = s[min(lo+1, n-1)]`, then
 * `a + (b-a) g` when `g < 0.5`, else `b - (b-a)(1-g)` (numpy's two-sided lerp).
 * Kernel: trusts that `sorted` is ascending, non-empty and finite and that `0 <= q <= 1`.
 */
export function quantileSorted(sorted: FloatArray, q: number): number {
  const n = sorted.length;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const g = h - lo;
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, n - 1)]!;
  const diff = b - a;
  return g < 0.5 ? a + diff * g : b - diff * (1 - g);
}

/**
 * numpy.quantile(data, q, method="linear") computed in float64 (float32 data is widened exactly).
 * Sorts a copy; `data` is not modified.
 * @param data sample [n], n >= 1, all finite
 * @param q one probability in [0, 1], or several (result [q.length] in the same order)
 * @throws DataError for an empty sample or a NaN/Inf value (named by index).
 * @throws InvalidOptionError for a q outside [0, 1] or NaN.
 */
export function quantile(data: FloatArray, q: number): number;
export function quantile(data: FloatArray, q: readonly number[] | FloatArray): Float64Array;
export function quantile(data: FloatArray, q: number | readonly number[] | FloatArray): number | Float64Array {
  checkSample('quantile', 'data', data);
  const qs: ArrayLike<number> = typeof q === 'number' ? [q] : q;
  for (let i = 0; i < qs.length; i++) {
    const p = qs[i]!;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      const which = typeof q === 'number' ? 'q' : `q[${i}]`;
      throw new InvalidOptionError(`quantile: ${which} must be a number in [0, 1], got ${String(p)}`, 'q');
    }
  }
  const sorted = sortAscending(data);
  if (typeof q === 'number') return quantileSorted(sorted, q);
  const out = new Float64Array(qs.length);
  for (let i = 0; i < qs.length; i++) out[i] = quantileSorted(sorted, qs[i]!);
  return out;
}
