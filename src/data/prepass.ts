/**
 * The first streaming pass over a training file, before any training: checks every value, fits
 * the standardizer (generic mode), draws the bounded row samples, and keeps the active columns
 * when they are small enough for exact drift deciles. Memory is bounded by one chunk plus the
 * samples, whatever the file size.
 */
import type { Standardizer } from '../schema/index.js';
import { checkRows, type DataFile } from './data-file.js';
import { ReservoirSampler } from './reservoir.js';
import { CHUNK_ROWS, STREAM, deriveSeed, type RowSplit } from './row-split.js';

/** Up to this many values (rows x active features) the active columns are kept for exact deciles. */
export const EXACT_DRIFT_MAX_VALUES = 1 << 23;

export interface PrepassOptions {
  file: DataFile;
  split: RowSplit;
  /** Columns 0..active-1 are features, the rest must be zero. */
  active: number;
  standardize: boolean;
  seed: number;
  /** Capacity of the drift sample over all rows. */
  driftSampleRows: number;
  /** Capacity of the sample over training rows (isolation forest fit); 0 = none. */
  fitSampleRows: number;
  /** Keep the active columns for exact deciles up to this many values. Default {@link EXACT_DRIFT_MAX_VALUES}. */
  exactMaxValues?: number;
  onRows?: (done: number) => void;
}

export interface PrepassResult {
  standardizer: Standardizer | null;
  driftSample: ReservoirSampler;
  fitSample: ReservoirSampler | null;
  /** Active columns column-major `[active, rows]` (raw units), or null when too large. */
  columns: Float32Array | null;
}

/**
 * Runs the pass.
 * @throws DataError naming file, row and column for a non-finite value or non-zero padding.
 */
export function prepass(opts: PrepassOptions): PrepassResult {
  const { file, split, active } = opts;
  const { rows, cols } = file;
  const chunk = new Float32Array(Math.min(CHUNK_ROWS, rows) * cols);
  const driftSample = new ReservoirSampler(Math.min(opts.driftSampleRows, rows), cols, deriveSeed(opts.seed, STREAM.driftSample));
  const fitSample = opts.fitSampleRows > 0 ? new ReservoirSampler(opts.fitSampleRows, cols, deriveSeed(opts.seed, STREAM.fitSample)) : null;
  const columns = rows * active <= (opts.exactMaxValues ?? EXACT_DRIFT_MAX_VALUES) ? new Float32Array(rows * active) : null;
  const moments = opts.standardize ? new Moments(cols) : null;
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, rows - start);
    file.reader.readRows(start, count, chunk);
    checkRows(chunk, { count, firstRow: start, cols, active, source: file.source });
    moments?.addChunk(chunk, count);
    for (let i = 0; i < count; i++) {
      const row = start + i;
      driftSample.offer(chunk, i, row);
      if (fitSample !== null && split.isValidation[Math.floor(row / split.blockRows)] === 0) fitSample.offer(chunk, i, row);
    }
    if (columns !== null) {
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < active; j++) columns[j * rows + start + i] = chunk[i * cols + j]!;
      }
    }
    opts.onRows?.(start + count);
  }
  return { standardizer: moments?.standardizer() ?? null, driftSample, fitSample, columns };
}

/**
 * Column means and population variances, chunk by chunk: exact two-pass moments per chunk, merged
 * with Chan, Golub & LeVeque's pairwise update (numerically stable, unlike sum of squares).
 */
class Moments {
  private n = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly chunkMean: Float64Array;
  private readonly chunkM2: Float64Array;

  constructor(private readonly cols: number) {
    this.mean = new Float64Array(cols);
    this.m2 = new Float64Array(cols);
    this.chunkMean = new Float64Array(cols);
    this.chunkM2 = new Float64Array(cols);
  }

  addChunk(data: Float32Array, count: number): void {
    const { cols, chunkMean, chunkM2 } = this;
    chunkMean.fill(0);
    chunkM2.fill(0);
    for (let i = 0; i < count; i++) for (let j = 0; j < cols; j++) chunkMean[j]! += data[i * cols + j]!;
    for (let j = 0; j < cols; j++) chunkMean[j]! /= count;
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < cols; j++) {
        const d = data[i * cols + j]! - chunkMean[j]!;
        chunkM2[j]! += d * d;
      }
    }
    const n = this.n + count;
    for (let j = 0; j < cols; j++) {
      const delta = chunkMean[j]! - this.mean[j]!;
      this.mean[j]! += (delta * count) / n;
      this.m2[j]! += chunkM2[j]! + (delta * delta * this.n * count) / n;
    }
    this.n = n;
  }

  /** Mean and population std per column; a zero std becomes 1 (the column is only centred). */
  standardizer(): Standardizer {
    const scale = new Float64Array(this.cols);
    for (let j = 0; j < this.cols; j++) {
      const std = Math.sqrt(this.m2[j]! / this.n);
      scale[j] = std > 0 ? std : 1;
    }
    return { mean: Float64Array.from(this.mean), scale };
  }
}
