/** Per-feature drift against a stored reference summary, and the ok/warn/retrain decision. */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';
import { ks2samp } from './ks-2samp.js';
import { binCountsSorted, psiFromProportions, psiSorted } from './psi.js';
import { sortAscending } from './sort.js';
import { checkNumberOption, checkSample, type FloatArray } from './validate.js';
import { wasserstein1Sorted } from './wasserstein.js';

/** What a model keeps about one training feature to measure drift later (JSON-friendly after Array.from). */
export interface ReferenceSummary {
  /** Reference sample size. */
  n: number;
  /** Inner PSI edges [bins-1]: reference quantiles k/bins (numpy linear), duplicates kept. */
  edges: Float64Array;
  /** Reference bin proportions [bins], floored at `floor`. */
  proportions: Float64Array;
  floor: number;
  /** Ascending quantile sketch [k] of the reference: order statistics s[floor((i + 0.5) n / k)]. */
  sample: Float64Array;
}

export interface SummarizeOptions {
  /** PSI bins (default 10). */
  bins?: number;
  /** Proportion floor (default 1e-4). */
  floor?: number;
  /** Size k of the stored sketch for Wasserstein/KS (default 2000; the whole reference if smaller). */
  sampleSize?: number;
}

/** Drift of one feature. */
export interface FeatureDrift {
  psi: number;
  /** Wasserstein-1 between the reference sketch and the current sample, in the feature's units. */
  wasserstein: number;
  /** Two-sample KS of the reference sketch against the current sample (method 'auto'). */
  ks: { statistic: number; pvalue: number };
}

/**
 * Summarises one reference feature column: PSI edges and floored proportions exactly as {@link psi}
 * computes them, plus a deterministic quantile sketch (midpoint order statistics) for Wasserstein and KS.
 * With k = 2000 the sketch moves W1 by about range/k at most and the KS statistic by <= 1/(2k).
 * @param column reference values [n], n >= 1, finite
 * @throws DataError for an empty column or a NaN/Inf value; InvalidOptionError for bad options.
 */
export function summarizeReference(column: FloatArray, opts: SummarizeOptions = {}): ReferenceSummary {
  const sampleSize = opts.sampleSize ?? 2000;
  checkNumberOption('summarizeReference', 'sampleSize', sampleSize, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const floor = opts.floor ?? 1e-4;
  const bins = opts.bins ?? 10;
  checkNumberOption('summarizeReference', 'bins', bins, (v) => Number.isInteger(v) && v >= 2 && v <= 1e6, 'an integer in [2, 1e6]');
  checkNumberOption('summarizeReference', 'floor', floor, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  checkSample('summarizeReference', 'column', column);
  const sorted = sortAscending(column);
  const n = sorted.length;
  const { edges, proportionsReference } = psiSorted(sorted, sorted, bins, floor);
  const k = Math.min(n, sampleSize);
  const sample = new Float64Array(k);
  for (let i = 0; i < k; i++) sample[i] = sorted[Math.floor(((i + 0.5) * n) / k)]!;
  return { n, edges, proportions: proportionsReference, floor, sample };
}

function checkSummary(s: ReferenceSummary): void {
  const where = 'compareToReference';
  if (typeof s !== 'object' || s === null) throw new DataError(`${where}: summary must be a ReferenceSummary, got ${String(s)}`, 'summary');
  checkSample(where, 'summary.edges', s.edges, 0);
  checkSample(where, 'summary.sample', s.sample);
  if (s.proportions.length !== s.edges.length + 1) {
    throw new ShapeError(`${where}: summary.proportions must have edges.length + 1 = ${s.edges.length + 1} entries, got ${s.proportions.length}`, where, [[s.edges.length + 1], [s.proportions.length]]);
  }
  for (let i = 1; i < s.edges.length; i++) {
    if (s.edges[i]! < s.edges[i - 1]!) throw new DataError(`${where}: summary.edges must be ascending, got a decrease at index ${i}`, 'summary.edges', { index: i });
  }
  for (let i = 1; i < s.sample.length; i++) {
    if (s.sample[i]! < s.sample[i - 1]!) throw new DataError(`${where}: summary.sample must be ascending, got a decrease at index ${i}`, 'summary.sample', { index: i });
  }
}

/**
 * PSI, Wasserstein-1 and KS of a current sample of one feature against its {@link ReferenceSummary}.
 * The PSI equals {@link psi} on the full reference; W1 and KS use the stored sketch, so the KS p-value
 * reflects the sketch size (use the KS statistic for decisions, see docs/drift.md).
 * @param current current values [m], m >= 1, finite
 * @throws DataError / ShapeError for a malformed summary or a bad current sample.
 */
export function compareToReference(summary: ReferenceSummary, current: FloatArray): FeatureDrift {
  checkSummary(summary);
  checkSample('compareToReference', 'current', current);
  const sorted = sortAscending(current);
  const counts = binCountsSorted(sorted, summary.edges, new Float64Array(summary.proportions.length));
  for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! / sorted.length;
  const { psi } = psiFromProportions(summary.proportions, counts, { floor: summary.floor });
  const ks = ks2samp(summary.sample, sorted);
  return { psi, wasserstein: wasserstein1Sorted(summary.sample, sorted), ks: { statistic: ks.statistic, pvalue: ks.pvalue } };
}

/** A warn and a retrain level; a metric at or above a level reaches it. */
export interface Levels {
  warn: number;
  retrain: number;
}

/** Thresholds of {@link driftVerdict}; see docs/drift.md for the reasoning. */
export interface DriftThresholds {
  psi: Levels;
  /** In the feature's units (dadm features are standardised, so these are fractions of a std). */
  wasserstein: Levels;
  ksStatistic: Levels;
}

export const DEFAULT_DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({
  psi: { warn: 0.1, retrain: 0.25 },
  wasserstein: { warn: 0.1, retrain: 0.25 },
  ksStatistic: { warn: 0.1, retrain: 0.2 },
});

export type DriftLevel = 'ok' | 'warn' | 'retrain';

/**
 * The worst level any given metric reaches: 'retrain' if some metric >= its retrain threshold, else
 * 'warn' if some metric >= its warn threshold, else 'ok'. Missing metrics are skipped; the KS p-value
 * is not used (at large n it flags negligible shifts). Accepts a {@link FeatureDrift} directly.
 * @throws InvalidOptionError when a threshold is negative/NaN or warn > retrain; DataError for a NaN metric.
 */
export function driftVerdict(
  values: { psi?: number; wasserstein?: number; ks?: { statistic: number } },
  thresholds: Partial<DriftThresholds> = {},
): DriftLevel {
  const t = { ...DEFAULT_DRIFT_THRESHOLDS, ...thresholds };
  const metrics: [keyof DriftThresholds, number | undefined][] = [
    ['psi', values.psi],
    ['wasserstein', values.wasserstein],
    ['ksStatistic', values.ks?.statistic],
  ];
  for (const [name, value] of metrics) {
    const { warn, retrain } = t[name];
    if (!(warn >= 0 && retrain >= warn)) {
      throw new InvalidOptionError(`driftVerdict: thresholds.${name} must satisfy 0 <= warn <= retrain, got warn ${warn}, retrain ${retrain}`, name);
    }
    if (value !== undefined && typeof value !== 'number') throw new DataError(`driftVerdict: ${name} must be a number, got ${typeof value}`, name);
    if (Number.isNaN(value)) throw new DataError(`driftVerdict: ${name} must be a number, got NaN`, name);
  }
  let level: DriftLevel = 'ok';
  for (const [name, value] of metrics) {
    if (value === undefined) continue;
    if (value >= t[name].retrain) return 'retrain';
    if (value >= t[name].warn) level = 'warn';
  }
  return level;
}
