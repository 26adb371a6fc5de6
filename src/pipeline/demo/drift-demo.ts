/**
 * The demo's drift step: two fresh batches from the same generator, one left alone and one with a
 * 0.5 shift on three features, each compared with the training reference (and the model's scores).
 * The first must come out 'ok' and the second 'retrain' (test/pipeline/drift-demo.test.ts).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { NpyRowReader, NpyWriter } from '../../io/index.js';
import { drift, type DriftResult } from '../drift/drift.js';
import { generateData } from '../generate-data.js';
import { CHUNK_ROWS } from '../../data/index.js';

/** Added to the shifted features, in the data file's units (about half a std for endpoint-v1). */
export const DRIFT_DEMO_SHIFT = 0.5;
/** Columns shifted in the drifted batch: one process, one network and one file feature of endpoint-v1. */
export const DRIFT_DEMO_COLUMNS: readonly number[] = [0, 4, 8];

export interface DriftDemoOptions {
  outDir: string;
  /** Rows of the training data; each batch has max(10,000, rows / 2) rows. */
  rows: number;
  seed: number;
  anomalyRate: number;
}

/** Both comparisons and the files they read. */
export interface DriftDemoResult {
  unshifted: DriftResult;
  shifted: DriftResult;
  /** Names of the shifted features and the shift. */
  shiftedFeatures: string[];
  shift: number;
  files: { unshifted: string; shifted: string };
}

/**
 * Writes `drift_unshifted.npy` (generator seed + 1) and `drift_shifted.npy` (seed + 2, plus
 * {@link DRIFT_DEMO_SHIFT} on {@link DRIFT_DEMO_COLUMNS}) and measures both against
 * `drift_reference.npz` with `model.safetensors` from the demo directory.
 */
export function driftDemo(opts: DriftDemoOptions): DriftDemoResult {
  const rows = Math.max(10_000, Math.floor(opts.rows / 2));
  const files = { unshifted: join(opts.outDir, 'drift_unshifted.npy'), shifted: join(opts.outDir, 'drift_shifted.npy') };
  const base = join(opts.outDir, 'drift_shifted.base.npy');
  generateData({ rows, out: files.unshifted, seed: opts.seed + 1, anomalyRate: opts.anomalyRate });
  generateData({ rows, out: base, seed: opts.seed + 2, anomalyRate: opts.anomalyRate });
  try {
    shiftColumns(base, files.shifted, DRIFT_DEMO_COLUMNS, DRIFT_DEMO_SHIFT);
  } finally {
    rmSync(base, { force: true });
  }
  const measure = (current: string): DriftResult =>
    drift({ reference: join(opts.outDir, 'drift_reference.npz'), current, model: join(opts.outDir, 'model.safetensors') });
  const unshifted = measure(files.unshifted);
  const shifted = measure(files.shifted);
  return { unshifted, shifted, shiftedFeatures: DRIFT_DEMO_COLUMNS.map((j) => shifted.features[j]!.name), shift: DRIFT_DEMO_SHIFT, files };
}

/** Copies a float32 `[rows, cols]` .npy, adding `shift` to `columns`, chunk by chunk. */
function shiftColumns(from: string, to: string, columns: readonly number[], shift: number): void {
  const reader = new NpyRowReader(from);
  const writer = new NpyWriter(to, { shape: [reader.rows, reader.cols], dtype: 'float32' });
  try {
    const { rows, cols } = reader;
    const chunk = new Float32Array(Math.min(CHUNK_ROWS, rows) * cols);
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows - start);
      reader.readRows(start, count, chunk);
      for (let i = 0; i < count; i++) for (const j of columns) chunk[i * cols + j]! += shift;
      writer.append(chunk.subarray(0, count * cols));
    }
    writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    reader.close();
  }
}
