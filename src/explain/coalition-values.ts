/**
 * Coalition values of the interventional Shapley game through a batched score function:
 * `v(S) = mean_b f(x_S, b_{F\S})` for every subset S of the attributed features F, where the
 * columns outside F keep x's value. Hybrid rows are written into one preallocated batch buffer and
 * scored once per batch.
 */
import { DataError } from '../errors.js';
import type { ScoreFn } from './score-model.js';

/** Background rows that differ on the attributed features, with how many rows each stands for. */
export interface UniqueBackground {
  /** `[rows, D]` */
  data: Float32Array;
  rows: number;
  /** `[rows]` multiplicity of each unique row */
  weights: Float64Array;
}

/**
 * Merges background rows that are equal on `features`: their hybrid rows are identical for every
 * coalition, so each is scored once and weighted by its count.
 */
export function uniqueBackground(background: Float32Array, rows: number, d: number, features: Int32Array): UniqueBackground {
  const index = new Map<string, number>();
  const keep: number[] = [];
  const counts: number[] = [];
  const key = new Array<number>(features.length);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < features.length; i++) key[i] = background[r * d + features[i]!]!;
    const k = key.join(',');
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, keep.length);
      keep.push(r);
      counts.push(1);
    } else {
      counts[at]! += 1;
    }
  }
  const data = new Float32Array(keep.length * d);
  keep.forEach((r, u) => data.set(background.subarray(r * d, (r + 1) * d), u * d));
  return { data, rows: keep.length, weights: Float64Array.from(counts) };
}

/** Inputs of {@link coalitionValues} and {@link sampledCoalitionValues}. */
export interface CoalitionInputs {
  scoreFn: ScoreFn;
  /** `[D]` the explained row */
  x: Float32Array;
  background: UniqueBackground;
  /** total background rows before merging (the mean's denominator) */
  backgroundRows: number;
  /** attributed columns, bit i of a mask = features[i] */
  features: Int32Array;
  /** rows per scoreFn call */
  batchSize: number;
}

/**
 * v for all `2^M` masks (bit i set = features[i] taken from x).
 * @returns `[2^M]` float64, indexed by mask
 * @throws DataError when the score function returns too few or non-finite scores
 */
export function coalitionValues(inputs: CoalitionInputs): Float64Array {
  const m = inputs.features.length;
  const count = 2 ** m;
  const z = new Uint8Array(count * m);
  for (let mask = 0; mask < count; mask++) {
    for (let i = 0; i < m; i++) z[mask * m + i] = (mask >>> i) & 1;
  }
  return maskValues(inputs, z, count);
}

/**
 * v for `count` coalitions given as a 0/1 matrix (1 = that feature taken from x), evaluated in
 * batches of hybrid rows.
 * @param z `[count, M]`
 * @returns `[count]` float64
 * @throws DataError when the score function returns too few or non-finite scores
 */
export function maskValues(inputs: CoalitionInputs, z: Uint8Array, count: number): Float64Array {
  const { scoreFn, x, background, backgroundRows, features } = inputs;
  const d = x.length;
  const m = features.length;
  const u = background.rows;
  const total = count * u;
  const batch = Math.max(1, Math.min(inputs.batchSize, total));
  const rows = new Float32Array(batch * d);
  const values = new Float64Array(count);
  for (let start = 0; start < total; start += batch) {
    const n = Math.min(batch, total - start);
    for (let r = 0; r < n; r++) {
      const flat = start + r;
      const zOff = ((flat / u) | 0) * m;
      const bg = (flat % u) * d;
      const off = r * d;
      rows.set(x, off);
      for (let i = 0; i < m; i++) {
        if (z[zOff + i] === 0) rows[off + features[i]!] = background.data[bg + features[i]!]!;
      }
    }
    const scores = scoreFn(rows, n);
    if (scores.length < n) throw new DataError(`shapleyValues: score function must return ${n} scores, got ${scores.length}`);
    for (let r = 0; r < n; r++) {
      const s = scores[r]!;
      if (!Number.isFinite(s)) throw new DataError(`shapleyValues: score function must return finite scores, got ${s}`);
      const flat = start + r;
      values[(flat / u) | 0] += background.weights[flat % u]! * s;
    }
  }
  for (let k = 0; k < count; k++) values[k]! /= backgroundRows;
  return values;
}

/**
 * Exact Shapley values from all coalition values:
 * `phi_i = sum_{S not containing i} |S|! (M-|S|-1)! / M! * (v(S u {i}) - v(S))`, with the weights
 * precomputed by |S| (Shapley 1953).
 * @param v `[2^M]` coalition values indexed by mask
 * @returns `[M]` float64
 */
export function shapleyFromValues(v: Float64Array, m: number): Float64Array {
  // weight(s) = 1 / (M * C(M-1, s)); weight[M] stays 0 (the full coalition has no missing feature).
  const weight = new Float64Array(m + 1);
  let binom = 1;
  for (let s = 0; s < m; s++) {
    weight[s] = 1 / (m * binom);
    binom = (binom * (m - 1 - s)) / (s + 1);
  }
  const size = new Uint8Array(v.length);
  for (let mask = 1; mask < v.length; mask++) size[mask] = size[mask >>> 1]! + (mask & 1);
  const phi = new Float64Array(m);
  for (let mask = 0; mask < v.length; mask++) {
    const w = weight[size[mask]!]!;
    for (let i = 0; i < m; i++) {
      const bit = 1 << i;
      if ((mask & bit) === 0) phi[i] += w * (v[mask | bit]! - v[mask]!);
    }
  }
  return phi;
}
