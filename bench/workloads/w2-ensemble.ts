/**
 * W2-ensemble (docs/ensemble.md, "Latency"): single-row latency of the exported ensemble (default
 * config: autoencoder, 100-tree isolation forest, ECOD; one ONNX graph) trained on 20,000 gen-data
 * rows, beside two autoencoders timed in the same run: the W2 model (64-32-8-32-64) and the
 * autoencoder `model: autoencoder` trains on the same rows with the default config. Every model runs
 * in dadm's runtime and in onnxruntime-web (wasm, 1 thread) on the same bytes, timed as W2 (20,000
 * warm-up calls, then 10,000 calls each timed with hrtime.bigint). Target: ensemble <= 2x the
 * autoencoder in dadm's runtime.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnx, generateData, train } from '../../src/pipeline/index.js';
import { median, percentile, type BenchRow, type Workload } from '../harness.js';
import { autoencoderOnnx, dadmHeapBytesPerCall, dadmLatency, ortLatency, sampleRows } from './w2.js';

const ROWS = 20_000;

/** Trains `model` with the default config on `data` and exports it: the ONNX bytes. */
function trainedOnnx(dir: string, data: string, model: 'autoencoder' | 'ensemble'): Uint8Array {
  const out = join(dir, model);
  train({ data, outDir: out, model });
  exportOnnx({ checkpoint: join(out, 'model.safetensors'), output: join(out, 'model.onnx') });
  return new Uint8Array(readFileSync(join(out, 'model.onnx')));
}

export const workload: Workload = {
  name: 'W2-ensemble',
  description: 'single-row latency of the exported ensemble beside the W2 and the trained autoencoder (dadm runtime vs onnxruntime-web)',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'dadm-w2-ensemble-'));
    try {
      const data = join(dir, 'data.npy');
      generateData({ rows: ROWS, out: data, seed: 0, anomalyRate: 0.02 });
      const models = { ensemble: trainedOnnx(dir, data, 'ensemble'), trained_autoencoder: trainedOnnx(dir, data, 'autoencoder'), w2_autoencoder: autoencoderOnnx(0) };
      const rows = sampleRows(100).map((r) => r.map(Math.abs));
      const rowsOut: BenchRow[] = [];
      const medians: Record<string, number> = {};
      for (const [name, bytes] of Object.entries(models)) {
        const dadm = dadmLatency(bytes, rows);
        const ortUs = await ortLatency(bytes, rows);
        medians[name] = median(dadm);
        rowsOut.push(
          { workload: 'W2-ensemble', metric: `${name}_median_us`, value: median(dadm), unit: 'us', median_of: dadm.length, note: `dadm score(row), ${bytes.length} bytes` },
          { workload: 'W2-ensemble', metric: `${name}_p99_us`, value: percentile(dadm, 0.99), unit: 'us', median_of: dadm.length },
          { workload: 'W2-ensemble', metric: `${name}_heap_bytes_per_call`, value: dadmHeapBytesPerCall(bytes, rows), unit: 'bytes', median_of: 1, note: 'heap growth over 10^5 calls after a full GC, least of 3 rounds' },
          { workload: 'W2-ensemble', metric: `${name}_ort_median_us`, value: median(ortUs), unit: 'us', median_of: ortUs.length, note: 'onnxruntime-web wasm, 1 thread, same bytes' },
        );
      }
      rowsOut.push(
        { workload: 'W2-ensemble', metric: 'ensemble_over_trained_autoencoder', value: medians.ensemble! / medians.trained_autoencoder!, unit: 'x', median_of: 1, note: 'target <= 2 (dadm runtime, same run)' },
        { workload: 'W2-ensemble', metric: 'ensemble_over_w2_autoencoder', value: medians.ensemble! / medians.w2_autoencoder!, unit: 'x', median_of: 1, note: 'target <= 2 (dadm runtime, same run)' },
      );
      return rowsOut;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
