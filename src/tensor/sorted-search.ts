/** Binary search over ascending float arrays (numpy `searchsorted`): the kernels step functions, PSI bins and quantile tables share. */

/** A float32 or float64 array (the statistics take either). */
export type FloatArray = Float32Array | Float64Array;

/** Number of values in ascending `sorted` that are strictly below `x` (numpy searchsorted side='left'). */
export function lowerBound(sorted: FloatArray, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values in ascending `sorted` that are <= `x` (numpy searchsorted side='right'). */
export function upperBound(sorted: FloatArray, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
