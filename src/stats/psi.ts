/** Population stability index at reference quantile edges (see ../shared/reference/README.md, psi). */
import { DataError, ShapeError } from '../errors.js';
import { quantileSorted } from './quantile.js';
import { lowerBound, upperBound } from '../tensor/index.js';
import { sortAscending } from './sort.js';
import { checkNumberOption, checkSample, type FloatArray } from './validate.js';

/** Options of {@link psi}. */
export interface PsiOptions {
  /** Number of bins; the inner edges are the reference quantiles k/bins, k = 1..bins-1. Default 10. */
  bins?: number;
  /** Lower bound applied to every proportion before the log (no renormalisation). Default 1e-4. */
  floor?: number;
}

/** Everything {@link psi} computed, so a caller can store the reference side. */
export interface PsiResult {
  psi: number;
  /** Inner edges [bins-1], ascending, duplicates kept. */
  edges: Float64Array;
  countsReference: Float64Array;
  countsCurrent: Float64Array;
  /** count / n, then floored; [bins]. */
  proportionsReference: Float64Array;
  proportionsCurrent: Float64Array;
  /** (pCur - pRef) * ln(pCur / pRef) per bin; [bins]. */
  terms: Float64Array;
}

/** Kernel: bin counts of an ascending sample; bin(x) = number of edges <= x. Writes into `out` [edges+1]. */
export function binCountsSorted(sorted: FloatArray, edges: Float64Array, out: Float64Array): Float64Array {
  // Values in bins >= i+1 are exactly those >= edges[i], so bin i holds lowerBound(e_i) - lowerBound(e_{i-1}).
  let prev = 0;
  for (let i = 0; i < edges.length; i++) {
    const below = lowerBound(sorted, edges[i]!);
    out[i] = below - prev;
    prev = below;
  }
  out[edges.length] = sorted.length - prev;
  return out;
}

/**
 * Counts values per bin with numpy `searchsorted(edges, x, side="right")` semantics: bin(x) is the
 * number of edges <= x, so a value equal to an edge goes to the bin on its right and the outer bins
 * are open to -inf/+inf. Binary search per value; `values` is not modified.
 * @param values sample [n], finite (may be empty)
 * @param edges ascending inner edges [b-1] (duplicates allowed)
 * @returns counts [b] as exact integers
 * @throws DataError for a NaN/Inf value or edge; ShapeError when edges are not ascending.
 */
export function binCounts(values: FloatArray, edges: FloatArray): Float64Array {
  checkSample('binCounts', 'values', values, 0);
  checkSample('binCounts', 'edges', edges, 0);
  for (let i = 1; i < edges.length; i++) {
    if (edges[i]! < edges[i - 1]!) {
      throw new ShapeError(`binCounts: edges must be ascending, got edges[${i - 1}]=${edges[i - 1]} > edges[${i}]=${edges[i]}`, 'binCounts');
    }
  }
  const out = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) out[upperBound(edges, values[i]!)]!++;
  return out;
}

/** Kernel: PSI of two ascending samples, the README's definition step by step. */
export function psiSorted(ref: FloatArray, cur: FloatArray, bins: number, floor: number): PsiResult {
  const edges = new Float64Array(bins - 1);
  for (let k = 1; k < bins; k++) edges[k - 1] = quantileSorted(ref, k / bins);
  const countsReference = binCountsSorted(ref, edges, new Float64Array(bins));
  const countsCurrent = binCountsSorted(cur, edges, new Float64Array(bins));
  const proportionsReference = new Float64Array(bins);
  const proportionsCurrent = new Float64Array(bins);
  for (let i = 0; i < bins; i++) {
    proportionsReference[i] = Math.max(countsReference[i]! / ref.length, floor);
    proportionsCurrent[i] = Math.max(countsCurrent[i]! / cur.length, floor);
  }
  const { psi, terms } = psiTerms(proportionsReference, proportionsCurrent);
  return { psi, edges, countsReference, countsCurrent, proportionsReference, proportionsCurrent, terms };
}

function psiTerms(pRef: Float64Array, pCur: Float64Array): { psi: number; terms: Float64Array } {
  const terms = new Float64Array(pRef.length);
  let psi = 0;
  for (let i = 0; i < pRef.length; i++) {
    const t = (pCur[i]! - pRef[i]!) * Math.log(pCur[i]! / pRef[i]!);
    terms[i] = t;
    psi += t;
  }
  return { psi, terms };
}

function checkPsiOptions(where: string, opts: PsiOptions): { bins: number; floor: number } {
  const bins = opts.bins ?? 10;
  const floor = opts.floor ?? 1e-4;
  checkNumberOption(where, 'bins', bins, (v) => Number.isInteger(v) && v >= 2 && v <= 1e6, 'an integer in [2, 1e6]');
  checkNumberOption(where, 'floor', floor, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  return { bins, floor };
}

/**
 * Population stability index of `current` against `reference`, exactly as
 * ../shared/reference/README.md defines it: edges = linear quantiles of the reference at k/bins,
 * right-closed bins (`searchsorted` side="right"), proportions floored at `floor` without
 * renormalisation, `psi = sum (pCur - pRef) ln(pCur / pRef)`. Duplicate edges are kept (the bins
 * between them stay empty). Computed in float64; inputs are not modified.
 * @param reference sample [n], n >= 1; current sample [m], m >= 1
 * @throws DataError for an empty sample or a NaN/Inf value; InvalidOptionError for bad bins/floor.
 */
export function psi(reference: FloatArray, current: FloatArray, opts: PsiOptions = {}): PsiResult {
  const { bins, floor } = checkPsiOptions('psi', opts);
  checkSample('psi', 'reference', reference);
  checkSample('psi', 'current', current);
  return psiSorted(sortAscending(reference), sortAscending(current), bins, floor);
}

/**
 * PSI from stored proportions (e.g. a saved reference and the current sample's {@link binCounts} / m).
 * Both sides are floored at `floor` (default 1e-4; flooring a floored vector changes nothing).
 * @param pRef proportions [b]; pCur proportions [b]; each in [0, 1]
 * @returns the PSI and its per-bin terms [b]
 * @throws ShapeError when lengths differ or b < 1; DataError for a value outside [0, 1] or NaN.
 */
export function psiFromProportions(
  pRef: FloatArray,
  pCur: FloatArray,
  opts: Pick<PsiOptions, 'floor'> = {},
): { psi: number; terms: Float64Array } {
  const { floor } = checkPsiOptions('psiFromProportions', { floor: opts.floor });
  if (pRef.length !== pCur.length || pRef.length < 1) {
    throw new ShapeError(`psiFromProportions: pRef and pCur must have the same non-zero length, got ${pRef.length} and ${pCur.length}`, 'psiFromProportions', [[pRef.length], [pCur.length]]);
  }
  const a = new Float64Array(pRef.length);
  const b = new Float64Array(pRef.length);
  for (let i = 0; i < pRef.length; i++) {
    if (!(pRef[i]! >= 0 && pRef[i]! <= 1)) throw new DataError(`psiFromProportions: pRef[${i}] must be in [0, 1], got ${pRef[i]}`, 'pRef', { index: i });
    if (!(pCur[i]! >= 0 && pCur[i]! <= 1)) throw new DataError(`psiFromProportions: pCur[${i}] must be in [0, 1], got ${pCur[i]}`, 'pCur', { index: i });
    a[i] = Math.max(pRef[i]!, floor);
    b[i] = Math.max(pCur[i]!, floor);
  }
  return psiTerms(a, b);
}
