/**
 * W2b (docs/benchmarks.md): batch scoring throughput of the W2 autoencoder ONNX model:
 * 100,000 x 64 N(0,1) rows (Random seed 0) scored in batches of 1,024 (the model's batch dim is
 * dynamic; the last batch has 672 rows), through dadm's runtime and onnxruntime-web (wasm, 1 thread).
 * Each figure is the median of 5 timed passes after 1 warm-up pass.
 */
import * as ort from 'onnxruntime-web';
import { loadOnnx } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/index.js';
import { median, timeRuns, type BenchRow, type Workload } from '../harness.js';
import { autoencoderOnnx } from './w2.js';

const ROWS = 100_000;
const D = 64;
const BATCH = 1_024;
const REPS = 5;

export const workload: Workload = {
  name: 'W2b',
  description: 'batch scoring rows/s of the autoencoder ONNX model, 100,000x64 in batches of 1,024 (dadm runtime vs onnxruntime-web)',
  async run(): Promise<BenchRow[]> {
    const bytes = autoencoderOnnx(0);
    const data = new Random(0).normalFill(new Float32Array(ROWS * D));
    const model = loadOnnx(bytes);
    const scores = new Float32Array(ROWS);
    const dadmTimes = await timeRuns(() => {
      for (let r = 0; r < ROWS; r += BATCH) {
        const n = Math.min(BATCH, ROWS - r);
        scores.set(model.run({ input: data.subarray(r * D, (r + n) * D) }).score!.data as Float32Array, r);
      }
    }, REPS, 1);
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(bytes);
    const ortTimes = await timeRuns(async () => {
      for (let r = 0; r < ROWS; r += BATCH) {
        const n = Math.min(BATCH, ROWS - r);
        const out = await session.run({ input: new ort.Tensor('float32', data.subarray(r * D, (r + n) * D), [n, D]) });
        scores.set(out.score!.data as Float32Array, r);
      }
    }, REPS, 1);
    return [
      { workload: 'W2b', metric: 'rows_per_s', value: ROWS / median(dadmTimes), unit: 'rows/s', median_of: REPS, note: 'dadm runtime, run() per batch of 1,024' },
      { workload: 'W2b', metric: 'ort_rows_per_s', value: ROWS / median(ortTimes), unit: 'rows/s', median_of: REPS, note: 'onnxruntime-web 1.17.3 wasm, 1 thread (anchor ~550,000; PyTorch 1.9M)' },
    ];
  },
};
