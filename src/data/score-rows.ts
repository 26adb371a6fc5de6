/**
 * Streaming scoring: rows are read chunk by chunk, standardized when the model has a scaler, and
 * scored into one `[rows]` float32 array (4 bytes per row is all that grows with the file).
 */
import { DataError } from '../errors.js';
import { standardizeInPlace, type Standardizer } from '../schema/index.js';
import { checkRows, readBlocks, type DataFile } from './data-file.js';
import { CHUNK_ROWS, blockLength, blocksPerChunk, type RowSplit } from './row-split.js';

/**
 * A model's batch scorer: writes the anomaly scores (higher = more anomalous) of the first `n` items
 * of `x` into `out[0..n)`. An item is one row `[D]`, or one window `[T, D]` for a sequence kind; `x`
 * holds at least `n` items in model-input units (after the standardizer). Kernels trust their callers:
 * sizes are checked where the data enters.
 */
export type ScoreKernel = (x: Float32Array, n: number, out: Float32Array) => void;

/**
 * What a command does with a row whose score is NaN or ±Infinity (a model that overflows on huge
 * values, or computes NaN): such a score is never normal. `'error'` (the default everywhere) stops
 * with {@link nonFiniteScoreError}; `'invalid'` stores NaN for the row, which callers count apart
 * from the flagged and the normal rows.
 */
export type NonFiniteScores = 'error' | 'invalid';

/**
 * The one error for a non-finite score, in every command and the library.
 * @param row the row in the file (not in a chunk)
 */
export function nonFiniteScoreError(source: string, row: number, value: number): DataError {
  return new DataError(`${source}: row ${row} score must be finite, got ${value} (the model overflows or fails on the row's values)`, source, { row });
}

/**
 * Applies the non-finite rule to `scores[0..n)`, scores of the file rows `firstRow..`: throws for the
 * first non-finite one, or (`'invalid'`) sets each to NaN.
 * @throws DataError from {@link nonFiniteScoreError} under `'error'`
 */
export function checkScores(scores: Float32Array, n: number, at: { firstRow: number; source: string; nonFinite?: NonFiniteScores }): void {
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s - s === 0) continue;
    if (at.nonFinite !== 'invalid') throw nonFiniteScoreError(at.source, at.firstRow + i, s);
    scores[i] = Number.NaN;
  }
}

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

/**
 * Scores the rows of `blocks` (in that order) into `out`.
 * @returns `out`
 * @throws DataError naming the file and row for a non-finite score
 */
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
    for (let i = 0; i < n; i++) {
      if (scores[i]! - scores[i]! !== 0) throw nonFiniteScoreError(file.source, fileRowOf(split, blocks, { from: c, item: i }), scores[i]!);
    }
    out.set(scores.subarray(0, n), done);
    done += n;
  }
  return out;
}

/** The file row of the `item`-th row read from the blocks `blocks[from..]`. */
function fileRowOf(split: RowSplit, blocks: Int32Array, at: { from: number; item: number }): number {
  let left = at.item;
  for (let k = at.from; ; k++) {
    const length = blockLength(split, blocks[k]!);
    if (left < length) return blocks[k]! * split.blockRows + left;
    left -= length;
  }
}

/** How {@link scoreFile} scores a file. */
export interface FileScoring {
  /** Columns at and after this index must be 0 (schema padding). */
  active: number;
  standardizer: Standardizer | null;
  kernel: ScoreKernel;
  onRows?: (done: number) => void;
  /** What a non-finite score does (see {@link NonFiniteScores}); default `'error'`. */
  nonFinite?: NonFiniteScores;
}

/**
 * Checks and scores every row of a file in order.
 * @throws DataError naming row and column for a non-finite value or non-zero padding, and naming
 *   the row for a non-finite score (unless `nonFinite` is `'invalid'`: NaN is stored for it)
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
    checkScores(scores, n, { firstRow: start, source: file.source, ...(opts.nonFinite === undefined ? {} : { nonFinite: opts.nonFinite }) });
    out.set(scores.subarray(0, n), start);
    opts.onRows?.(start + n);
  }
  return out;
}
