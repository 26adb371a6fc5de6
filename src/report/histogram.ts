/**
 * Binning for the report's histograms: bin edges at nice numbers (linear) or evenly in log10 (for
 * values spanning decades, like anomaly scores), counts through stats' `binCounts`.
 */
import { binCounts } from '../stats/index.js';
import type { ReportHistogram } from './report-data.js';
import { wideRange } from './scale.js';
import { niceStep } from './ticks.js';

/** Options of {@link histogramOf}. */
export interface HistogramOptions {
  /** About how many bins (default 40); the edges fall on nice numbers, so the count varies a little. */
  bins?: number;
  /** `auto` (default): log when every value is > 0 and they span more than 100-fold. */
  scale?: 'auto' | 'linear' | 'log';
  /** Range to bin (default: the values' min and max); values outside count in the outer bins. */
  extent?: readonly [number, number];
  /** Reuse these edges (e.g. of another histogram, so two series share bins); overrides the rest. */
  edges?: readonly number[];
}

function minMax(values: Float32Array | Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Edges from lo to hi (inclusive) at multiples of a nice step. */
function linearEdges(lo: number, hi: number, bins: number): number[] {
  if (!(hi > lo)) return [lo - 0.5, lo + 0.5];
  const step = niceStep(hi - lo, bins);
  const first = Math.floor(lo / step);
  const last = Math.max(first + 1, Math.ceil(hi / step));
  const edges: number[] = [];
  // Integer multiples keep the edges exact decimals (0.1 * 3 would print 0.30000000000000004).
  for (let k = first; k <= last; k++) edges.push(step < 1 ? k / Math.round(1 / step) : k * step);
  return edges;
}

/** Edges evenly spaced in log10 at 1/k of a decade, covering [lo, hi] (both > 0). */
function logEdges(lo: number, hi: number, bins: number): number[] {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  const perDecade = Math.max(1, Math.round(bins / Math.max(b - a, 1e-9)));
  const first = Math.floor(a * perDecade);
  const last = Math.max(first + 1, Math.ceil(b * perDecade));
  const edges: number[] = [];
  for (let k = first; k <= last; k++) edges.push(10 ** (k / perDecade));
  return edges;
}

/**
 * Counts `values` into bins for a histogram chart.
 * @param values [n] finite (n may be 0 only together with `opts.edges` or `opts.extent`)
 * @returns edges `[bins + 1]` ascending and counts `[bins]`; a value on an inner edge counts in the bin to its right
 * @throws DataError for a NaN/Inf value (from binCounts)
 */
export function histogramOf(values: Float32Array | Float64Array, opts: HistogramOptions = {}): ReportHistogram {
  let edges = opts.edges;
  let scale: 'linear' | 'log';
  if (edges !== undefined) {
    scale = opts.scale === 'log' ? 'log' : 'linear';
  } else {
    const [lo, hi] = opts.extent ?? minMax(values);
    const bins = opts.bins ?? 40;
    scale = opts.scale === 'log' || (opts.scale !== 'linear' && wideRange([lo, hi], 100)) ? 'log' : 'linear';
    edges = scale === 'log' ? logEdges(lo, hi, bins) : linearEdges(lo, hi, bins);
  }
  const counts = binCounts(values, Float64Array.from(edges.slice(1, -1)));
  return { edges: [...edges], scale, counts: Array.from(counts) };
}
