/**
 * The threshold of a federated model without moving rows: each client sends a histogram of its
 * rows' anomaly scores under the final global model on fixed log-spaced bins, the server adds the
 * histograms (integer counts: the same sum in any order) and takes the `threshold.quantile` of the
 * union. Bins are 1/200 of a decade wide (a ratio of 10^0.005 ≈ 1.0116) over [1e-12, 1e12], plus
 * one bin below (zero and negative scores) and one above, so the quantile is within 1.2 % of the
 * exact quantile of the union of the clients' rows. docs/federated.md, "Threshold".
 */
import { FormatError } from '../errors.js';
import { parseJsonPayload, utf8 } from './bytes.js';

/** Bins per decade. */
export const SKETCH_BINS_PER_DECADE = 200;
/** log10 of the lowest and highest bin edge. */
const LOW = -12;
const HIGH = 12;
/** Every bin: below 1e-12, the log bins, above 1e12. */
export const SKETCH_BINS = (HIGH - LOW) * SKETCH_BINS_PER_DECADE + 2;

/** Bin of one score: 0 for `s <= 1e-12` (and NaN), SKETCH_BINS - 1 above 1e12. */
function binOf(s: number): number {
  if (!(s > 10 ** LOW)) return 0;
  if (s > 10 ** HIGH) return SKETCH_BINS - 1;
  // Bin k (1-based) covers (10^(LOW + (k-1)/P), 10^(LOW + k/P)].
  return Math.min(SKETCH_BINS - 2, Math.max(1, Math.ceil((Math.log10(s) - LOW) * SKETCH_BINS_PER_DECADE)));
}

/** The histogram of `scores`, `[SKETCH_BINS]` counts. */
export function sketchScores(scores: Float32Array): Float64Array {
  const counts = new Float64Array(SKETCH_BINS);
  for (let i = 0; i < scores.length; i++) counts[binOf(scores[i]!)]!++;
  return counts;
}

/**
 * The q-quantile of the rows a histogram counts, with numpy's default (linear) rank
 * `h = q (N - 1)`: the rank's bin is found from the counts, and its c rows are taken as spread
 * evenly in log space over the bin (a row at rank k of the bin sits at fraction (k + 0.5) / c).
 * Ranks in the outer bins give their inner edge.
 * @throws FormatError for an empty histogram
 */
export function sketchQuantile(counts: Float64Array, q: number): number {
  let total = 0;
  for (let b = 0; b < counts.length; b++) total += counts[b]!;
  if (!(total >= 1)) throw new FormatError(`score sketch: rows must be at least 1 for a quantile, got ${total}`, 'sketch');
  const h = q * (total - 1);
  let before = 0;
  for (let b = 0; b < counts.length; b++) {
    const c = counts[b]!;
    if (c > 0 && h < before + c) {
      if (b === 0) return 10 ** LOW;
      if (b === counts.length - 1) return 10 ** HIGH;
      const frac = (h - before + 0.5) / c;
      return 10 ** (LOW + (b - 1 + Math.min(1, frac)) / SKETCH_BINS_PER_DECADE);
    }
    before += c;
  }
  return 10 ** HIGH;
}

/** The upload payload: `{"rows": n, "bins": [[bin, count], …]}` (non-zero bins only). */
export function encodeSketch(counts: Float64Array): Uint8Array {
  const bins: [number, number][] = [];
  let rows = 0;
  for (let b = 0; b < counts.length; b++) {
    if (counts[b]! > 0) bins.push([b, counts[b]!]);
    rows += counts[b]!;
  }
  return utf8(JSON.stringify({ rows, bins }));
}

/** A client's checked histogram: counts (capped), the rows it counted, and the rows kept (the weight). */
export interface Sketch {
  counts: Float64Array;
  rows: number;
  weight: number;
}

/**
 * Decodes and checks a sketch payload; a client counting more than `maxRows` rows has its counts
 * scaled down to `maxRows` (rounded per bin), as FedAvg caps its weight.
 * @throws FormatError for anything but increasing in-range bins with positive integer counts summing to `rows`
 */
export function decodeSketch(bytes: Uint8Array, maxRows: number): Sketch {
  const { rows, bins } = parseJsonPayload(bytes, 'score sketch');
  if (!Number.isSafeInteger(rows) || (rows as number) < 1 || !Array.isArray(bins) || bins.length > SKETCH_BINS) {
    throw new FormatError(`score sketch: payload must be {rows: integer >= 1, bins: [[bin, count], …]}, got rows ${JSON.stringify(rows)} and ${Array.isArray(bins) ? bins.length : 'no'} bins`, 'sketch');
  }
  const counts = new Float64Array(SKETCH_BINS);
  let sum = 0;
  let last = -1;
  for (const entry of bins as unknown[]) {
    const [b, c] = Array.isArray(entry) && entry.length === 2 ? (entry as [unknown, unknown]) : [NaN, NaN];
    if (!Number.isSafeInteger(b) || (b as number) <= last || (b as number) >= SKETCH_BINS || !Number.isSafeInteger(c) || (c as number) < 1) {
      throw new FormatError(`score sketch: bins must be increasing [bin < ${SKETCH_BINS}, count >= 1] integer pairs, got ${JSON.stringify(entry)}`, 'sketch');
    }
    counts[b as number] = c as number;
    sum += c as number;
    last = b as number;
  }
  if (sum !== rows) throw new FormatError(`score sketch: counts must sum to rows = ${rows}, got ${sum}`, 'sketch');
  const weight = Math.min(rows as number, maxRows);
  if (weight < (rows as number)) for (let b = 0; b < SKETCH_BINS; b++) counts[b] = Math.round((counts[b]! * weight) / (rows as number));
  return { counts, rows: rows as number, weight };
}
