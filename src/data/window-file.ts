/**
 * The 3-D form of sequence data: a .npy of windows `[N, T, F]`, each scored as one unit (its score
 * is the score of its last step). Read in batches of windows; nothing else is held.
 */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';
import { shapeTuple } from '../io/index.js';
import type { RowTable } from './row-source.js';

/**
 * Checks that `windows` holds `[N, window, features]` windows.
 * @throws ShapeError naming the file for another rank, T or F
 */
export function checkWindowFile(windows: RowTable, window: number, features: number): void {
  const shape = windows.shape ?? [windows.rows, windows.cols];
  if (shape.length !== 3) {
    throw new ShapeError(`${windows.path}: windows must be a 3-D array (windows, steps, features), got shape ${shapeTuple(shape)}`, 'checkWindowFile');
  }
  if (shape[1] !== window) {
    throw new ShapeError(`${windows.path}: steps per window T must equal the model's window ${window}, got ${shape[1]}`, 'checkWindowFile');
  }
  if (shape[2] !== features) {
    throw new ShapeError(`${windows.path}: features per step must equal the model's ${features}, got ${shape[2]}`, 'checkWindowFile');
  }
}

/** Options of {@link forEachWindow}. */
export interface WindowFileOptions {
  window: number;
  batch: number;
  /** Whether to emit window `i`; default all. */
  select?: (i: number) => boolean;
  /** Receives `[n, T, F]` windows (a reused buffer) and their indices in the file. */
  onBatch: (windows: Float32Array, n: number, indices: Float64Array) => void;
}

/**
 * Streams the windows of a checked 3-D file in order, in batches.
 * @throws DataError naming window, step and column for a NaN or infinite value
 */
export function forEachWindow(windows: RowTable, options: WindowFileOptions): void {
  const { window: T, batch, select, onBatch } = options;
  if (!Number.isInteger(batch) || batch < 1) throw new InvalidOptionError(`forEachWindow: batch must be a positive integer, got ${batch}`, 'batch');
  const per = windows.cols;
  const F = per / T;
  const chunk = new Float32Array(batch * per);
  const out = select === undefined ? chunk : new Float32Array(batch * per);
  const indices = new Float64Array(batch);
  let n = 0;
  for (let start = 0; start < windows.rows; start += batch) {
    const count = Math.min(batch, windows.rows - start);
    windows.readRows(start, count, chunk);
    for (let i = 0; i < count; i++) {
      const w = start + i;
      if (select !== undefined && !select(w)) continue;
      const src = i * per;
      for (let k = 0; k < per; k++) {
        const v = chunk[src + k]!;
        if (v - v !== 0) {
          throw new DataError(`${windows.path}: window ${w}, step ${Math.floor(k / F)}, column ${k % F} must be finite, got ${v}`, windows.path);
        }
      }
      if (out !== chunk) out.set(chunk.subarray(src, src + per), n * per);
      indices[n++] = w;
      if (out !== chunk && n === batch) {
        onBatch(out, n, indices);
        n = 0;
      }
    }
    // Without a selection the batch is the chunk buffer itself: hand it over before the next read.
    if (out === chunk && n > 0) {
      onBatch(out, n, indices);
      n = 0;
    }
  }
  if (n > 0) onBatch(out, n, indices);
}
