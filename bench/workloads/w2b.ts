/**
 * W2b (docs/benchmarks.md): batch scoring throughput of the W2 autoencoder ONNX model:
 * 100,000 x 64 N(0,1) rows (Random seed 0) scored in batches of 1,024 (the model's batch dim is
 * dynamic; the last batch has 672 rows). Each figure is the median of 5 timed passes after 1
 * warm-up pass. dadm runs twice: `model.run` per batch on the calling thread, and `ParallelScorer`
 * with `threads: 'auto'` (each batch's rows split across the cores). Anchors, after dadm in the same run: onnxruntime-web (WASM, 1 thread: its default
 * here, min(4, ceil(cores / 2)), and it runs no threads under Node.js) and PyTorch eager
 * (`torch.inference_mode()`, 1 and 2 threads) on the same batches.
 */
import * as ort from 'onnxruntime-web';
import { ParallelScorer, loadOnnx } from '../../src/runtime/index.js';
import { Random, resolveThreads } from '../../src/tensor/index.js';
import { TORCH_PRELUDE, TORCH_W2_MODEL, context, median, runPython, timeRuns, torchName, versus, type BenchRow, type Workload } from '../harness.js';
import { syncNote } from './w1.js';
import { autoencoderOnnx } from './w2.js';

const ROWS = 100_000;
const D = 64;
const BATCH = 1_024;
const REPS = 5;

const TORCH_SCRIPT = [
  TORCH_PRELUDE,
  TORCH_W2_MODEL,
  `X = torch.randn(${ROWS}, ${D})`,
  'out = {"torch": torch.__version__}',
  'def score_all():',
  `    for s in range(0, ${ROWS}, ${BATCH}): scorer(X[s:s + ${BATCH}])`,
  'with torch.inference_mode():',
  '    for t in (1, 2):',
  '        threads(t)',
  `        out[f"rows_per_s_{t}"] = ${ROWS} / timed(score_all, ${REPS}, 1)`,
  'print(json.dumps(out))',
].join('\n');

export const workload: Workload = {
  name: 'W2b',
  description: 'batch scoring rows/s of the autoencoder ONNX model, 100,000x64 in batches of 1,024 (anchors: onnxruntime-web, PyTorch eager)',
  async run(): Promise<BenchRow[]> {
    const bytes = autoencoderOnnx(0);
    const data = new Random(0).normalFill(new Float32Array(ROWS * D));
    const scores = new Float32Array(ROWS);
    const model = loadOnnx(bytes);
    const ctx = context();
    const dadmTimes = await timeRuns(() => {
      for (let r = 0; r < ROWS; r += BATCH) {
        const n = Math.min(BATCH, ROWS - r);
        scores.set(model.run({ input: data.subarray(r * D, (r + n) * D) }).score!.data as Float32Array, r);
      }
    }, REPS, 1);
    const scorer = new ParallelScorer(bytes, { threads: 'auto' });
    const allCoresTimes = await timeRuns(() => {
      for (let r = 0; r < ROWS; r += BATCH) {
        const n = Math.min(BATCH, ROWS - r);
        scorer.score(data.subarray(r * D, (r + n) * D), n, scores.subarray(r, r + n));
      }
    }, REPS, 1);
    scorer.close();
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(bytes);
    const ortTimes = await timeRuns(async () => {
      for (let r = 0; r < ROWS; r += BATCH) {
        const n = Math.min(BATCH, ROWS - r);
        const out = await session.run({ input: new ort.Tensor('float32', data.subarray(r * D, (r + n) * D), [n, D]) });
        scores.set(out.score!.data as Float32Array, r);
      }
    }, REPS, 1);
    const py = runPython(TORCH_SCRIPT, 'torch');
    const ortName = 'onnxruntime-web 1.17.3 WASM, 1 thread (its default here)';
    const one: BenchRow = { workload: 'W2b', metric: 'rows_per_s_1_thread', value: ROWS / median(dadmTimes), unit: 'rows/s', median_of: REPS, ...ctx, note: 'dadm runtime, run() per batch of 1,024, calling thread only' };
    const all: BenchRow = { ...one, metric: 'rows_per_s', value: ROWS / median(allCoresTimes), note: `dadm ParallelScorer, ${resolveThreads('auto')} threads (threads: auto; ${syncNote()}), score() per batch of 1,024; target >= 1.0x onnxruntime-web` };
    const out = [versus(all, ortName, ROWS / median(ortTimes), true), versus(one, ortName, ROWS / median(ortTimes), true)];
    for (const row of [all, one]) {
      if ('result' in py) {
        for (const t of [1, 2]) out.push(versus({ ...row, metric: `${row.metric}_vs_torch_${t}t` }, `${torchName(py.result.torch, t)} via ${py.python}`, Number(py.result[`rows_per_s_${t}`]), true));
      } else {
        out.push({ ...row, metric: `${row.metric}_vs_torch`, note: `PyTorch anchor skipped: ${py.skipped}` });
      }
    }
    return out;
  },
};
