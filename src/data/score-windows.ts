/**
 * Streamed scoring for sequence kinds: every row of time-ordered rows + host ids gets the score of
 * its host's window ending at it (the first T-1 rows of a host: the window left-padded with the
 * host's first row, flagged), and every window of a 3-D file `[N, T, F]` gets its own score.
 */
import { DataError } from '../errors.js';
import type { Standardizer } from '../schema/index.js';
import type { DataFile } from './data-file.js';
import { scanHosts } from './host-index.js';
import { forEachHostWindow } from './host-windows.js';
import { fileRows, standardizedRows, windowRows, type RowTable } from './row-source.js';
import { checkScores, type NonFiniteScores, type ScoreKernel } from './score-rows.js';
import { checkWindowFile, forEachWindow } from './window-file.js';

/** Windows scored per kernel call. */
const SCORE_BATCH = 256;

/** How {@link scoreSequenceFile} scores a file. */
export interface SequenceScoring {
  /** The model's window T. */
  steps: number;
  /** Columns at and after this index must be 0 (schema padding). */
  active: number;
  standardizer: Standardizer | null;
  /** Scores `[n, T, F]` windows in model-input units. */
  kernel: ScoreKernel;
  /** One host id per row for 2-D rows; null for a 3-D window file. */
  hosts: RowTable | null;
  onRows?: (done: number) => void;
  /**
   * Sees each scored batch: windows `[n, T, F]` in model-input units (a reused buffer), their scores
   * and the items they score (file rows for rows + host ids, window indices for a 3-D file).
   */
  onBatch?: (windows: Float32Array, n: number, scores: Float32Array, items: ArrayLike<number>) => void;
  /** What a non-finite score does (see {@link NonFiniteScores}); default `'error'`. */
  nonFinite?: NonFiniteScores;
}

/** What {@link scoreSequenceFile} computed. */
export interface SequenceScores {
  /** `[rows]` for rows + host ids, `[windows]` for a 3-D file. */
  scores: Float32Array;
  /** `[rows]` 1 where the row's window was left-padded (the first T-1 rows of a host); null for a 3-D file. */
  padded: Uint8Array | null;
}

/**
 * Scores a sequence file in one streamed pass (memory: one chunk, the open hosts' rings, one batch).
 * @throws DataError naming host and step (rows form) or window and step (3-D form) for NaN/Inf, or
 *   row and column for a non-zero padding column; ShapeError for a 3-D file whose T or F differ from
 *   the model's; the errors of {@link scanHosts} for bad host ids
 */
export function scoreSequenceFile(file: DataFile, opts: SequenceScoring): SequenceScores {
  const { steps: T, standardizer, kernel } = opts;
  const rows = standardizedRows(paddingChecked(fileRows(file), opts.active), standardizer);
  const batchScores = new Float32Array(SCORE_BATCH);
  if (opts.hosts === null) {
    const windows = windowRows(rows, file.steps);
    checkWindowFile(windows, T, file.cols);
    const scores = new Float32Array(windows.rows);
    forEachWindow(windows, {
      window: T,
      batch: SCORE_BATCH,
      onBatch: (x, n, indices) => {
        kernel(x, n, batchScores);
        opts.onBatch?.(x, n, batchScores, indices);
        scores.set(batchScores.subarray(0, n), indices[0]!);
        opts.onRows?.((indices[0]! + n) * T);
      },
    });
    checkScores(scores, scores.length, { firstRow: 0, source: `${file.source} (windows)`, ...(opts.nonFinite ? { nonFinite: opts.nonFinite } : {}) });
    return { scores, padded: null };
  }
  const index = scanHosts(opts.hosts, { data: { path: file.source, rows: file.rows, cols: file.cols }, window: T });
  const scores = new Float32Array(file.rows);
  const padded = new Uint8Array(file.rows);
  forEachHostWindow(rows, opts.hosts, index, {
    window: T,
    batch: SCORE_BATCH,
    onBatch: (x, n, meta) => {
      kernel(x, n, batchScores);
      opts.onBatch?.(x, n, batchScores, meta.rows);
      for (let i = 0; i < n; i++) {
        const r = meta.rows[i]!;
        scores[r] = batchScores[i]!;
        padded[r] = meta.padded[i]! > 0 ? 1 : 0;
      }
      opts.onRows?.(meta.rows[n - 1]! + 1);
    },
  });
  checkScores(scores, scores.length, { firstRow: 0, source: file.source, ...(opts.nonFinite ? { nonFinite: opts.nonFinite } : {}) });
  return { scores, padded };
}

/** `source` whose reads check that every column at and after `active` is exactly 0. */
function paddingChecked(source: RowTable, active: number): RowTable {
  if (active >= source.cols) return source;
  const cols = source.cols;
  return {
    path: source.path,
    rows: source.rows,
    cols,
    ...(source.shape !== undefined ? { shape: source.shape } : {}),
    dtype: source.dtype,
    readRows(start: number, count: number, out: Float32Array): Float32Array {
      source.readRows(start, count, out);
      for (let i = 0; i < count; i++) {
        for (let j = active; j < cols; j++) {
          const v = out[i * cols + j]!;
          if (v !== 0) throw new DataError(`${source.path}: row ${start + i}, column ${j} must be 0 (padding columns ${active}..${cols - 1}), got ${v}`, source.path, { row: start + i, column: j });
        }
      }
      return out;
    },
  };
}
