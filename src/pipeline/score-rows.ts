/**
 * Streaming scoring: rows are read chunk by chunk, standardized when the model has a scaler, and
 * scored into one `[rows]` float32 array (4 bytes per row is all that grows with the file).
 */
import type { Standardizer } from '../schema/index.js';
import { checkRows, readBlocks, type DataFile } from './data-file.js';
import { standardizeInPlace } from './drift-reference.js';
import type { ScoreKernel } from './iforest-model.js';
import { CHUNK_ROWS, blocksPerChunk, type RowSplit } from './row-split.js';

/** Scores the rows of `blocks` (in that order) into `out` (length = their row count). */
export function scoreBlocks(
  file: DataFile,
  split: RowSplit,
  blocks: Int32Array,
  standardizer: Standardizer | null,
  kernel: ScoreKernel,
  out: Float32Array,
): Float32Array {
  const per = blocksPerChunk(split);
  const chunk = new Float32Array(Math.min(per * split.blockRows, file.rows) * file.cols);
  const scores = new Float32Array(Math.min(per * split.blockRows, file.rows));
  let done = 0;
  for (let c = 0; c < blocks.length; c += per) {
    const n = readBlocks(file, split, blocks, c, Math.min(c + per, blocks.length), chunk);
    if (standardizer !== null) standardizeInPlace(chunk, n, file.cols, standardizer);
    kernel(chunk.subarray(0, n * file.cols), n, file.cols, scores);
    out.set(scores.subarray(0, n), done);
    done += n;
  }
  return out;
}

/**
 * Checks and scores every row of a file in order.
 * @param active columns at and after this index must be 0 (schema padding)
 * @throws DataError naming row and column for a non-finite value or non-zero padding
 */
export function scoreFile(
  file: DataFile,
  active: number,
  standardizer: Standardizer | null,
  kernel: ScoreKernel,
  onRows?: (done: number) => void,
): Float32Array {
  const { rows, cols } = file;
  const out = new Float32Array(rows);
  const chunk = new Float32Array(Math.min(CHUNK_ROWS, rows) * cols);
  const scores = new Float32Array(Math.min(CHUNK_ROWS, rows));
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows - start);
    file.reader.readRows(start, n, chunk);
    checkRows(chunk, n, start, cols, active, file.source);
    if (standardizer !== null) standardizeInPlace(chunk, n, cols, standardizer);
    kernel(chunk.subarray(0, n * cols), n, cols, scores);
    out.set(scores.subarray(0, n), start);
    onRows?.(start + n);
  }
  return out;
}
