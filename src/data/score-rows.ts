/**
 * Streaming scoring: rows are read chunk by chunk, standardized when the model has a scaler, and
 * scored into one `[rows]` float32 array (4 bytes per row is all that grows with the file).
 */
import { standardizeInPlace, type Standardizer } from '../schema/index.js';
import { checkRows, readBlocks, type DataFile } from './data-file.js';
import { CHUNK_ROWS, blocksPerChunk, type RowSplit } from './row-split.js';

/**
 * A model's batch scorer: writes the anomaly scores (higher = more anomalous) of the first `n` items
 * of `x` into `out[0..n)`. An item is one row `[D]`, or one window `[T, D]` for a sequence kind; `x`
 * holds at least `n` items in model-input units (after the standardizer). Kernels trust their callers:
 * sizes are checked where the data enters.
 */
export type ScoreKernel = (x: Float32Array, n: number, out: Float32Array) => void;

/** What {@link scoreBlocks} scores, and with what. */
export interface BlockScoring {
  file: DataFile;
  split: RowSplit;
  /** Blocks to score, in this order. */
  blocks: Int32Array;
  standardizer: Standardizer | null;
  kernel: ScoreKernel;
  /** Receives the scores; its length is the blocks' row count. */
  out: Float32Array;
}

/** Scores the rows of `blocks` (in that order) into `out`. @returns `out` */
export function scoreBlocks(opts: BlockScoring): Float32Array {
  const { file, split, blocks, standardizer, kernel, out } = opts;
  const per = blocksPerChunk(split);
  const chunk = new Float32Array(Math.min(per * split.blockRows, file.rows) * file.cols);
  const scores = new Float32Array(Math.min(per * split.blockRows, file.rows));
  let done = 0;
  for (let c = 0; c < blocks.length; c += per) {
    const n = readBlocks(file, split, { blocks, from: c, to: Math.min(c + per, blocks.length), out: chunk });
    if (standardizer !== null) standardizeInPlace(standardizer, chunk, n);
    kernel(chunk, n, scores);
    out.set(scores.subarray(0, n), done);
    done += n;
  }
  return out;
}

/** How {@link scoreFile} scores a file. */
export interface FileScoring {
  /** Columns at and after this index must be 0 (schema padding). */
  active: number;
  standardizer: Standardizer | null;
  kernel: ScoreKernel;
  onRows?: (done: number) => void;
}

/**
 * Checks and scores every row of a file in order.
 * @throws DataError naming row and column for a non-finite value or non-zero padding
 */
export function scoreFile(file: DataFile, opts: FileScoring): Float32Array {
  const { rows, cols } = file;
  const { active, standardizer, kernel } = opts;
  const out = new Float32Array(rows);
  const chunk = new Float32Array(Math.min(CHUNK_ROWS, rows) * cols);
  const scores = new Float32Array(Math.min(CHUNK_ROWS, rows));
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows - start);
    file.reader.readRows(start, n, chunk);
    checkRows(chunk, { count: n, firstRow: start, cols, active, source: file.source });
    if (standardizer !== null) standardizeInPlace(standardizer, chunk, n);
    kernel(chunk, n, scores);
    out.set(scores.subarray(0, n), start);
    opts.onRows?.(start + n);
  }
  return out;
}
