/**
 * One streaming pass over the current batch for `dadm drift`: rows with a non-finite value or
 * non-zero schema padding are counted and excluded; every other row is scaled like the reference,
 * counted into the reference's PSI bins (all rows, exact) and offered to a bounded reservoir sample
 * for Wasserstein and KS. With a model, each kept row is also scored and its score binned and
 * sampled with the row. Memory: one chunk plus the sample, whatever the batch size.
 */
import { CHUNK_ROWS, ReservoirSampler, nonFiniteScoreError, type DataFile, type ScoreKernel } from '../../data/index.js';
import { standardizeInPlace, type Standardizer } from '../../schema/index.js';
import type { DriftReference } from './reference-file.js';

/**
 * The model part of the pass: how to score a kept row (raw units in, score out), or every row's
 * score computed beforehand (a sequence model scores a row by its host's window, which a row-by-row
 * pass cannot cut).
 */
export type BatchScorer =
  | { kernel: ScoreKernel; standardizer: Standardizer | null; threshold: number }
  | { rowScores: Float32Array; threshold: number };

export interface ScanOptions {
  file: DataFile;
  reference: DriftReference;
  /** Reservoir capacity (rows). */
  sampleRows: number;
  seed: number;
  scorer: BatchScorer | null;
  onRows?: (done: number) => void;
}

/** The first excluded row and why. */
export interface InvalidValue {
  row: number;
  column: number;
  value: number;
  reason: 'non-finite' | 'non-zero padding';
}

export interface BatchScan {
  rows: number;
  validRows: number;
  invalidRows: number;
  firstInvalid: InvalidValue | null;
  /** Bin counts `[active, bins]` of the kept rows in the reference bins. */
  counts: Float64Array;
  /** Reservoir of kept rows `[sampleRows, width]`: scaled active features, then the score if scored. */
  sample: Float32Array;
  sampleRows: number;
  /** Row width of `sample` (active, or active + 1 with a scorer). */
  width: number;
  /** Score bin counts `[bins]` and rows with score > threshold; null without a scorer. */
  score: { counts: Float64Array; flagged: number } | null;
}

/** Runs the pass (see the file comment). Throws only what reading the file throws. */
export function scanCurrentBatch(opts: ScanOptions): BatchScan {
  const { file, reference: ref, scorer } = opts;
  const { rows, cols } = file;
  const { active, bins } = ref;
  const width = scorer === null ? active : active + 1;
  const chunkRows = Math.min(CHUNK_ROWS, rows);
  const chunk = new Float32Array(chunkRows * cols);
  const kept = new Float32Array(chunkRows * cols);
  const keptIndex = new Float64Array(chunkRows);
  const features = new Float32Array(chunkRows * width);
  const scores = scorer === null ? null : new Float32Array(chunkRows);
  const sampler = new ReservoirSampler(Math.min(opts.sampleRows, rows), width, opts.seed);
  const counts = new Float64Array(active * bins);
  const scoreCounts = scorer === null ? null : new Float64Array(bins);
  let invalidRows = 0;
  let flagged = 0;
  let firstInvalid: InvalidValue | null = null;
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, rows - start);
    file.reader.readRows(start, count, chunk);
    let n = 0;
    for (let i = 0; i < count; i++) {
      const bad = firstBadColumn(chunk, i * cols, cols, active);
      if (bad >= 0) {
        invalidRows++;
        if (firstInvalid === null) {
          const value = chunk[i * cols + bad]!;
          firstInvalid = { row: start + i, column: bad, value, reason: value - value !== 0 ? 'non-finite' : 'non-zero padding' };
        }
        continue;
      }
      kept.set(chunk.subarray(i * cols, (i + 1) * cols), n * cols);
      keptIndex[n++] = start + i;
    }
    if (scorer !== null && scores !== null && scoreCounts !== null && n > 0) {
      if ('rowScores' in scorer) {
        for (let i = 0; i < n; i++) scores[i] = scorer.rowScores[keptIndex[i]!]!;
      } else {
        // The raw chunk is no longer needed: reuse it for the model's scaled copy of the kept rows.
        const x = chunk.subarray(0, n * cols);
        x.set(kept.subarray(0, n * cols));
        if (scorer.standardizer !== null) standardizeInPlace(scorer.standardizer, x, n);
        scorer.kernel(x, n, scores);
      }
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        if (!Number.isFinite(s)) {
          throw nonFiniteScoreError(file.source, keptIndex[i]!, s);
        }
        if (s > scorer.threshold) flagged++;
        scoreCounts[upperBound(ref.score.edges, 0, bins - 1, s)]!++;
        features[i * width + active] = s;
      }
    }
    scaleActive(ref, { rows: kept, n, cols }, { out: features, width });
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < active; j++) counts[j * bins + upperBound(ref.edges, j * (bins - 1), bins - 1, features[i * width + j]!)]!++;
      sampler.offer(features, i, keptIndex[i]!);
    }
    opts.onRows?.(start + count);
  }
  const sample = sampler.sorted();
  return {
    rows,
    validRows: rows - invalidRows,
    invalidRows,
    firstInvalid,
    counts,
    sample: sample.rows,
    sampleRows: sample.index.length,
    width,
    score: scoreCounts === null ? null : { counts: scoreCounts, flagged },
  };
}

/** Index of the first non-finite value, or non-zero padding value (column >= active), else -1. */
function firstBadColumn(data: Float32Array, base: number, cols: number, active: number): number {
  for (let j = 0; j < cols; j++) {
    const v = data[base + j]!;
    // v - v is NaN exactly when v is NaN or +-Infinity.
    if (v - v !== 0 || (j >= active && v !== 0)) return j;
  }
  return -1;
}

/** Active columns of `rows [n, cols]` into `out [n, width]`, scaled as the reference (float32, like train). */
function scaleActive(ref: DriftReference, input: { rows: Float32Array; n: number; cols: number }, output: { out: Float32Array; width: number }): void {
  const { rows, n, cols } = input;
  const { out, width } = output;
  const s = ref.scaler;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < ref.active; j++) {
      const v = rows[i * cols + j]!;
      out[i * width + j] = s === null ? v : (v - s.mean[j]!) / s.scale[j]!;
    }
  }
}

/**
 * The bin of `x`: the number of edges `edges[offset .. offset+len-1]` that are <= x (numpy
 * searchsorted side='right', as src/stats binCounts).
 */
function upperBound(edges: Float64Array, offset: number, len: number, x: number): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[offset + mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
