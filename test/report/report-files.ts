/**
 * Every input `dadm report` can take, made small and fast in a temporary directory laid out as
 * `dadm demo` leaves it: labelled data, an autoencoder with its metrics.json and drift reference, a
 * shifted current batch (drift_shifted.npy), the ONNX export and an int8 model; plus a forest in
 * forest/. Shared by the pipeline, CLI, demo-step and browser tests of the report.
 */
import { join } from 'node:path';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { exportOnnx, generateData, quantizeModel, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';

export interface ReportFiles {
  dir: string;
  data: string;
  labels: string;
  model: string;
  metrics: string;
  reference: string;
  current: string;
  onnx: string;
  quantized: string;
  forest: string;
}

export const REPORT_ROWS = 1500;
/** Columns of the current batch shifted by +0.6 (process_spawn_count, net_bytes_in). */
export const SHIFTED_COLUMNS = [0, 4];

/** Writes the files (call in beforeAll; ~1–2 s). */
export function makeReportFiles(prefix: string): ReportFiles {
  const dir = tempDir(prefix);
  const f: ReportFiles = {
    dir,
    data: join(dir, 'data.npy'),
    labels: join(dir, 'labels.npy'),
    model: join(dir, 'model.safetensors'),
    metrics: join(dir, 'metrics.json'),
    reference: join(dir, 'drift_reference.npz'),
    current: join(dir, 'drift_shifted.npy'),
    onnx: join(dir, 'model.onnx'),
    quantized: join(dir, 'model_quantized.onnx'),
    forest: join(dir, 'forest', 'model.safetensors'),
  };
  generateData({ rows: REPORT_ROWS, out: f.data, seed: 3, anomalyRate: 0.04, labelsOut: f.labels });
  train({ data: f.data, outDir: dir, config: smallConfig({ training: { epochs: 4 } }) });
  train({ data: f.data, outDir: join(dir, 'forest'), config: smallConfig({ iforest: { nEstimators: 10 } }), model: 'iforest' });
  generateData({ rows: 800, out: f.current, seed: 4, anomalyRate: 0.04 });
  const cur = readNpyFile(f.current).data as Float32Array;
  for (let r = 0; r < 800; r++) for (const c of SHIFTED_COLUMNS) cur[r * 64 + c]! += 0.6;
  writeNpyFile(f.current, { data: Float32Array.from(cur), shape: [800, 64] });
  exportOnnx({ checkpoint: f.model, output: f.onnx });
  // Every layer in int8, so that the small test model has something to quantize.
  quantizeModel({ model: f.onnx, output: f.quantized, minWeights: 0, keepOutputLayers: false, requireSmaller: false });
  return f;
}
