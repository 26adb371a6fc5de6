/**
 * W7 (docs/benchmarks.md): single-window latency of the exported transformer, `[1, 16, 64] ->
 * score [1]`, in dadm's ONNX runtime and, side by side on the same bytes, onnxruntime-web (wasm, 1
 * thread); float and int8. The model is the transformer kind's default (window 16, next-step
 * objective, d 32, 2 heads, 1 post-norm layer, feed-forward 64, 12 active features of 64) with
 * weights from `Random(0)` (latency does not depend on their values), exported by
 * `exportTransformer` (opset 17, fixed batch 1). Int8: `quantizeDynamic` with its defaults (every
 * weight MatMul; QK^T and PV stay float), as W2. Timing: 1,000 warm-up calls, then 10,000 calls each
 * timed with process.hrtime.bigint; dadm calls `run` (which copies its outputs), onnxruntime-web
 * `await session.run`. dadm's heap growth per `score(window)` (as W2's). Also the peak RSS of a
 * fresh node process that loads the float model and scores one window (the edge footprint; target
 * <= 60 MB).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { TransformerDetector, WindowNet, objectiveLayout, resolveTransformerOptions, transformerExportSpec } from '../../src/models/transformer/index.js';
import { exportTransformer } from '../../src/onnx-writer/index.js';
import { encodeModel, modelMetadata } from '../../src/onnx/index.js';
import { quantizeDynamic } from '../../src/quant/index.js';
import { decodeModel, loadOnnx } from '../../src/runtime/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { median, percentile, type BenchRow, type Workload } from '../harness.js';
import { dadmHeapBytesPerCall, edgeRss } from './w2.js';

const T = 16;
const F = 64;
const WARMUP = 1_000;
const CALLS = 10_000;

/** The default transformer as ONNX bytes, random weights from `seed`. */
export function transformerOnnx(seed = 0): Uint8Array {
  const options = resolveTransformerOptions({ activeFeatures: Array.from({ length: 12 }, (_, j) => j) });
  const layout = objectiveLayout(options.objective, options.window);
  const A = options.activeFeatures!.length;
  const net = new WindowNet({
    inputDim: A, positions: layout.positions, dModel: options.dModel, heads: options.heads, layers: options.layers,
    feedForward: options.feedForward, dropout: 0, activation: options.activation, normFirst: options.normFirst,
    causal: layout.causal, maskToken: layout.maskToken, rng: new Random(seed),
  });
  const tensors = net.stateDict();
  tensors.set('error_scale', new Tensor(new Float32Array(A).fill(1), [A]));
  const model = TransformerDetector.fromState({ tensors, metadata: { options, features: F, threshold: 1, thresholdMethod: 'validation-quantile', history: [], bestEpoch: 0 } });
  const metadata = modelMetadata({ modelType: 'transformer', dadmVersion: 'bench', window: T, objective: options.objective });
  return encodeModel(exportTransformer(transformerExportSpec(model, metadata)));
}

function windows(count: number): Float32Array[] {
  const rng = new Random(1);
  return Array.from({ length: count }, () => rng.normalFill(new Float32Array(T * F)));
}

function dadmLatency(bytes: Uint8Array, inputs: Float32Array[]): number[] {
  const model = loadOnnx(bytes);
  const feed = { input: { data: inputs[0]!, shape: [1, T, F] } };
  let sink = 0;
  const once = (w: Float32Array): void => {
    feed.input.data = w;
    sink += (model.run(feed).score!.data as Float32Array)[0]!;
  };
  for (let i = 0; i < WARMUP; i++) once(inputs[i % inputs.length]!);
  const us = new Array<number>(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const w = inputs[i % inputs.length]!;
    const t0 = process.hrtime.bigint();
    once(w);
    us[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  if (!Number.isFinite(sink)) throw new Error('W7: scores must be finite');
  return us;
}

async function ortLatency(bytes: Uint8Array, inputs: Float32Array[]): Promise<number[]> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  const once = async (w: Float32Array): Promise<void> => {
    await session.run({ input: new ort.Tensor('float32', w, [1, T, F]) });
  };
  for (let i = 0; i < WARMUP; i++) await once(inputs[i % inputs.length]!);
  const us = new Array<number>(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    await once(inputs[i % inputs.length]!);
    us[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  await session.release();
  return us;
}

export const workload: Workload = {
  name: 'W7',
  description: 'single-window [1,16,64] latency of the exported transformer, float and int8 (dadm runtime vs onnxruntime-web), edge RSS',
  async run(): Promise<BenchRow[]> {
    const load = loadavg()[0]!.toFixed(1);
    const float = transformerOnnx(0);
    const { model: q } = quantizeDynamic(decodeModel(float));
    const int8 = encodeModel(q);
    const inputs = windows(64);
    const rows: BenchRow[] = [];
    for (const [label, bytes] of [['', float], ['_int8', int8]] as const) {
      const dadm = dadmLatency(bytes, inputs);
      const ortUs = await ortLatency(bytes, inputs);
      const ratio = median(dadm) / median(ortUs);
      rows.push(
        { workload: 'W7', metric: `median_us${label}`, value: median(dadm), unit: 'us', median_of: CALLS, note: `dadm run({input: [1,16,64]}); ratio to onnxruntime-web ${ratio.toFixed(2)}x (target <= 1.0x); ${bytes.length} bytes; load average ${load} (2 cores)` },
        { workload: 'W7', metric: `p99_us${label}`, value: percentile(dadm, 0.99), unit: 'us', median_of: CALLS },
        { workload: 'W7', metric: `ort_median_us${label}`, value: median(ortUs), unit: 'us', median_of: CALLS, note: 'onnxruntime-web 1.17.3 wasm, 1 thread, same bytes, await session.run per window' },
        { workload: 'W7', metric: `ort_p99_us${label}`, value: percentile(ortUs, 0.99), unit: 'us', median_of: CALLS },
        { workload: 'W7', metric: `heap_bytes_per_call${label}`, value: dadmHeapBytesPerCall(bytes, inputs), unit: 'bytes', median_of: 1, note: 'dadm score(window): heap growth over 10^5 calls after a full GC, least of 3 rounds (as W2)' },
      );
    }
    const path = join(mkdtempSync(join(tmpdir(), 'dadm-w7-')), 'transformer.onnx');
    writeFileSync(path, float);
    const rss = await edgeRss(path, `model.run({ input: { data: new Float32Array(${T * F}).fill(0.5), shape: [1, ${T}, ${F}] } }).score.data[0]`);
    rows.push({ workload: 'W7', metric: 'peak_rss_mb_edge', value: rss.mb, unit: 'MB', median_of: 1, note: `fresh node process: load the float model file + score 1 window (esbuild bundle), target <= 60 MB; empty node process: ${rss.baselineMb.toFixed(1)} MB` });
    return rows;
  },
};

