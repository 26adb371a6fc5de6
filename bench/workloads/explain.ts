/**
 * explain: exact interventional Shapley values of one row's anomaly score for the W1 autoencoder
 * (64-32-8-32-64, ReLU, random weights by PyTorch's Linear init U(±1/sqrt(fan_in)) from Random(0)),
 * 12 active of 64 features (endpoint-v1 layout: columns 12..63 are zero padding), 100 background
 * rows N(0,1) on the active columns (Random(1)); explained rows N(0, 2²) (Random(2)).
 * 2^12 coalitions × 100 background rows = 409,600 model evaluations per row.
 * `shap_ms_per_row`: the structured MLP fast path as `shapleyValues` runs it by default (WebAssembly SIMD
 * kernel, every core up to 4); `shap_ms_per_row_1_thread`: the same kernel on the calling thread only;
 * `shap_ms_per_row_js`: the structured path in plain JavaScript (float64 sums, `simd: false`);
 * `shap_ms_per_row_generic`: the same values through
 * the generic batched score-function path (a plain JS forward pass, `mlpScoreFn`);
 * `shap_ms_per_row_onnx`: the generic path with dadm's ONNX runtime as the score function (the W2
 * model, whose score averages all 64 columns; same cost per evaluation). Each: per-row wall time,
 * median over the rows after 1 warm-up row.
 */
import { forestScoreFn, mlpScoreFn, shapleyValues, type ExplainableModel, type IsolationForestModel, type MlpAutoencoderModel, type ScoreFn, type ShapleyOptions } from '../../src/explain/index.js';
import { IsolationForest } from '../../src/iforest/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/index.js';
import { median, type BenchRow, type Workload } from '../harness.js';
import { autoencoderOnnx } from './w2.js';

const SIZES = [64, 32, 8, 32, 64];
const ACTIVE = 12;
const BACKGROUND = 100;

function w1Model(): MlpAutoencoderModel {
  const rng = new Random(0);
  const layers = [];
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const bound = 1 / Math.sqrt(SIZES[l]!);
    const weight = rng.uniformFill(new Float32Array(SIZES[l + 1]! * SIZES[l]!), -bound, bound);
    const bias = rng.uniformFill(new Float32Array(SIZES[l + 1]!), -bound, bound);
    layers.push({ weight, bias });
  }
  return { kind: 'mlp-autoencoder', layers, activation: 'relu', activeFeatures: Array.from({ length: ACTIVE }, (_, j) => j) };
}

/** `rows` rows of width 64 with N(0, std²) in the active columns and zeros elsewhere. */
function paddedRows(rows: number, std: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(rows * 64);
  for (let r = 0; r < rows; r++) for (let j = 0; j < ACTIVE; j++) out[r * 64 + j] = rng.normal(0, std);
  return out;
}

/** Milliseconds per explained row: 1 warm-up row, then `rows` timed rows. */
function msPerRow(model: ExplainableModel, rows: number, options: ShapleyOptions = {}): number[] {
  const background = { data: paddedRows(BACKGROUND, 1, 1), rows: BACKGROUND };
  const x = paddedRows(rows + 1, 2, 2);
  const features = Array.from({ length: ACTIVE }, (_, j) => j);
  const times: number[] = [];
  let sink = 0;
  for (let r = 0; r <= rows; r++) {
    const t0 = process.hrtime.bigint();
    sink += shapleyValues(model, x.subarray(r * 64, (r + 1) * 64), background, { ...options, features }).phi[0]!;
    if (r > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (!Number.isFinite(sink)) throw new Error('explain: Shapley values must be finite');
  return times;
}

/** W3's forest (100 trees, 256 samples) fitted on 10,000 x 12 N(0,1), as the explainer's structured model. */
function w3Forest(): IsolationForestModel {
  const rows = 10_000;
  const forest = new IsolationForest({ nEstimators: 100, maxSamples: 256, seed: 0 }).fit({ data: new Random(0).normalFill(new Float32Array(rows * ACTIVE)), shape: [rows, ACTIVE] });
  const { compiled, denominator, nFeaturesIn } = forest.compiledTrees();
  return { kind: 'isolation-forest', ...compiled, denominator, inputDim: nFeaturesIn };
}

/** Milliseconds per explained row of a 12-column model (no padding): 1 warm-up row, then `rows` timed rows. */
function msPerRow12(model: ExplainableModel, rows: number): number[] {
  const background = { data: new Random(1).normalFill(new Float32Array(BACKGROUND * ACTIVE)), rows: BACKGROUND };
  const x = new Random(2).normalFill(new Float32Array((rows + 1) * ACTIVE)).map((v) => 2 * v);
  const times: number[] = [];
  for (let r = 0; r <= rows; r++) {
    const t0 = process.hrtime.bigint();
    shapleyValues(model, x.subarray(r * ACTIVE, (r + 1) * ACTIVE), background);
    if (r > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

function onnxScoreFn(): ScoreFn {
  const model = loadOnnx(autoencoderOnnx(0));
  return (rows, n) => model.run({ input: { data: rows.subarray(0, n * 64), shape: [n, 64] } }).score!.data as Float32Array;
}

export const workload: Workload = {
  name: 'explain',
  description: 'exact Shapley values of one row (W1 autoencoder, 12 active features, 100 background rows)',
  run(): BenchRow[] {
    const model = w1Model();
    const fast = msPerRow(model, 15);
    const oneThread = msPerRow(model, 9, { threads: 1 });
    const js = msPerRow(model, 5, { simd: false });
    const generic = msPerRow(mlpScoreFn(model), 5);
    const onnx = msPerRow(onnxScoreFn(), 5);
    const forest = w3Forest();
    const forestFast = msPerRow12(forest, 7);
    const forestPlain = msPerRow12(forestScoreFn(forest), 3);
    const evals = `${2 ** ACTIVE * BACKGROUND} model evaluations per row`;
    return [
      { workload: 'explain', metric: 'shap_ms_per_row', value: median(fast), unit: 'ms', median_of: fast.length, note: `default: WebAssembly SIMD kernel on every core (up to 4), exact; ${evals}; target 50 ms` },
      { workload: 'explain', metric: 'shap_ms_per_row_1_thread', value: median(oneThread), unit: 'ms', median_of: oneThread.length, note: 'the SIMD kernel on the calling thread only' },
      { workload: 'explain', metric: 'shap_ms_per_row_js', value: median(js), unit: 'ms', median_of: js.length, note: 'structured path in plain JavaScript, float64 sums (simd: false)' },
      { workload: 'explain', metric: 'shap_ms_per_row_generic', value: median(generic), unit: 'ms', median_of: generic.length, note: 'generic batched score-function path (mlpScoreFn, batches of 8192 rows)' },
      { workload: 'explain', metric: 'shap_ms_per_row_iforest', value: median(forestFast), unit: 'ms', median_of: forestFast.length, note: 'isolation forest (W3 options, fitted on 10,000 x 12), structured path: per tree and background row one walk that splits the masks where x and b part ways' },
      { workload: 'explain', metric: 'shap_ms_per_row_iforest_generic', value: median(forestPlain), unit: 'ms', median_of: forestPlain.length, note: 'the same forest as a plain score function (409,600 root-to-leaf walks per tree)' },
      { workload: 'explain', metric: 'shap_ms_per_row_onnx', value: median(onnx), unit: 'ms', median_of: onnx.length, note: "generic path through dadm's ONNX runtime (W2 model, dynamic batch)" },
    ];
  },
};
