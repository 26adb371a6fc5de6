/** 1-D Wasserstein-1 (earth mover's) distance, = scipy.stats.wasserstein_distance. */
import { sortAscending } from './sort.js';
import { checkSample, checkWeights, type FloatArray } from './validate.js';

/**
 * Kernel: W1 between two ascending samples with cumulative weights.
 * `uCum[i]` is the total weight of the first i values of `u` ([nu+1], uCum[0] = 0); likewise `vCum`.
 * Walks the merged order once: between consecutive merged points a < b it adds
 * |U(a) - V(a)| (b - a), U and V being right-continuous CDFs (scipy's `_cdf_distance`, p = 1).
 * Uses compensated (Neumaier) summation.
 */
function mergeDistance(u: FloatArray, v: FloatArray, uCum: Float64Array | null, vCum: Float64Array | null): number {
  const nu = u.length;
  const nv = v.length;
  const uTotal = uCum ? uCum[nu]! : nu;
  const vTotal = vCum ? vCum[nv]! : nv;
  let i = 0;
  let j = 0;
  let prev = Math.min(u[0]!, v[0]!);
  let fu = 0;
  let fv = 0;
  let sum = 0;
  let comp = 0;
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    const term = Math.abs(fu - fv) * (x - prev);
    const t = sum + term;
    comp += Math.abs(sum) >= term ? sum - t + term : term - t + sum;
    sum = t;
    while (i < nu && u[i]! === x) i++;
    while (j < nv && v[j]! === x) j++;
    fu = (uCum ? uCum[i]! : i) / uTotal;
    fv = (vCum ? vCum[j]! : j) / vTotal;
    prev = x;
  }
  return sum + comp;
}

/** Kernel: unweighted W1 of two ascending, non-empty, finite samples. */
export function wasserstein1Sorted(u: FloatArray, v: FloatArray): number {
  return mergeDistance(u, v, null, null);
}

/** Sorts values with their weights; returns ascending values and cumulative weights [n+1]. */
function sortWeighted(values: FloatArray, weights: FloatArray): { sorted: Float64Array; cum: Float64Array } {
  const n = values.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a]! - values[b]!);
  const sorted = new Float64Array(n);
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    sorted[i] = values[order[i]!]!;
    cum[i + 1] = cum[i]! + weights[order[i]!]!;
  }
  return { sorted, cum };
}

/**
 * Wasserstein-1 distance between two 1-D empirical distributions,
 * `W1 = integral |U(x) - V(x)| dx` with U, V the (weighted) empirical CDFs, equal to
 * `scipy.stats.wasserstein_distance(u, v, uWeights, vWeights)`. The result is in the units of the
 * values. Weights are normalised by their sum and may contain zeros. Inputs are not modified.
 * @param u values [nu], nu >= 1, finite; v values [nv], nv >= 1, finite
 * @param uWeights optional [nu], >= 0 with a positive sum (default: all ones); likewise vWeights [nv]
 * @throws DataError for an empty sample, a NaN/Inf value or weight, a negative weight or an all-zero weight vector.
 * @throws ShapeError when a weight vector's length differs from its values'.
 */
export function wasserstein1(u: FloatArray, v: FloatArray, uWeights?: FloatArray, vWeights?: FloatArray): number {
  checkSample('wasserstein1', 'u', u);
  checkSample('wasserstein1', 'v', v);
  if (uWeights !== undefined) checkWeights('wasserstein1', 'uWeights', uWeights, u.length);
  if (vWeights !== undefined) checkWeights('wasserstein1', 'vWeights', vWeights, v.length);
  if (uWeights === undefined && vWeights === undefined) return mergeDistance(sortAscending(u), sortAscending(v), null, null);
  const us = uWeights ? sortWeighted(u, uWeights) : { sorted: sortAscending(u), cum: null };
  const vs = vWeights ? sortWeighted(v, vWeights) : { sorted: sortAscending(v), cum: null };
  return mergeDistance(us.sorted, vs.sorted, us.cum, vs.cum);
}
