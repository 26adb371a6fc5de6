/**
 * Interventional Shapley values of an anomaly score (Lundberg & Lee 2017,
 * https://arxiv.org/abs/1705.07874; Janzing et al. 2020, https://arxiv.org/abs/1910.13413): the
 * game over the attributed features F is `v(S) = mean_b f(x_S, b_{F\S})` with b running over the
 * background rows and the columns outside F kept at x's value. Exact over all `2^M` coalitions up
 * to `maxExactFeatures`, KernelSHAP above. See docs/explain.md.
 */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';
import { coalitionValues, shapleyFromValues, uniqueBackground, type CoalitionInputs } from './coalition-values.js';
import { kernelShap } from './kernel-shap.js';
import { defaultThreads } from './kernel-threads.js';
import { wasmMlpCoalitionValues } from './mlp-coalition-kernel.js';
import { mlpCoalitionValues, type MlpCoalitionInputs } from './mlp-coalition-values.js';
import { checkColumns } from '../model-spec/index.js';
import { checkMlpModel, mlpScoreFn, mlpWidths, type ExplainableModel, type MlpAutoencoderModel, type ScoreFn, type WeightedSumModel } from './score-model.js';
import { checkForestModel, forestCoalitionValues, forestScoreFn } from './forest-coalition-values.js';

/** Background rows: the reference distribution features are "removed" to. */
export interface Background {
  /** `[rows, D]` row-major */
  readonly data: Float32Array;
  readonly rows: number;
}

/** Options of {@link shapleyValues}. */
export interface ShapleyOptions {
  /** Columns to attribute (others keep x's value). Default: an MLP model's active features, else all columns. */
  features?: readonly number[];
  /** Hybrid rows per score call / gemm batch. Default 8192. */
  batchSize?: number;
  /** Exact values up to this many features (2^M coalitions), KernelSHAP above. Integer in [1, 20], default 16. */
  maxExactFeatures?: number;
  /** Coalitions KernelSHAP samples. Default 2048, at least 2 * M. */
  kernelSamples?: number;
  /** Seed of KernelSHAP's coalition sampling. Default 0. */
  seed?: number;
  /**
   * Run a ReLU MLP autoencoder's exact values through the WebAssembly SIMD kernel (float32 sums)
   * when the engine has SIMD; false keeps the JavaScript path (float64 sums). Default true.
   */
  simd?: boolean;
  /**
   * Threads the SIMD kernel may use (the calling thread plus worker threads); values do not depend
   * on it. Integer >= 1, default every core up to 4.
   */
  threads?: number;
}

/** Shapley values of one row; `phi[i]` belongs to column `features[i]`. */
export interface ShapleyResult {
  features: number[];
  /** v(∅): mean score of the background rows (with the non-attributed columns set to x's) */
  baseValue: number;
  /** v(F) = f(x) */
  value: number;
  /** `[M]`; `sum(phi) = value - baseValue` (efficiency) */
  phi: Float64Array;
  /** true: all 2^M coalitions; false: KernelSHAP with `samples` sampled coalitions */
  exact: boolean;
  samples?: number;
}

const DEFAULT_BATCH = 8192;
const MAX_EXACT_LIMIT = 20;

/**
 * Shapley values of `model`'s score at `x` against `background`. An {@link MlpAutoencoderModel}
 * takes the structured fast path (exact mode); a score function takes the generic batched path.
 * Cost (exact): `2^M × U` model evaluations, U = background rows distinct on the features.
 * @param x `[D]`
 * @param background `[B, D]`, B >= 1
 * @throws ShapeError when x, the background and the model disagree on D
 * @throws DataError for an empty background, NaN/Inf input or non-finite scores
 * @throws InvalidOptionError for bad features or options, or a model of unknown kind
 */
export function shapleyValues(model: ExplainableModel, x: Float32Array, background: Background, options: ShapleyOptions = {}): ShapleyResult {
  const d = x.length;
  if (typeof model !== 'function' && model.kind === 'weighted-sum') return weightedSumValues(model, x, background, options);
  const mlp = typeof model !== 'function' && model.kind === 'mlp-autoencoder' ? model : null;
  const forest = typeof model !== 'function' && model.kind === 'isolation-forest' ? model : null;
  if (typeof model !== 'function' && mlp === null && forest === null) {
    throw new InvalidOptionError(`shapleyValues: model must be a score function or kind 'mlp-autoencoder', 'isolation-forest' or 'weighted-sum', got kind '${String((model as { kind: unknown }).kind)}'`, 'model');
  }
  if (mlp !== null) {
    checkMlpModel(mlp, 'shapleyValues');
    const inputDim = mlpWidths(mlp)[0]!;
    if (d !== inputDim) throw new ShapeError(`shapleyValues: x must have the model's width ${inputDim}, got ${d}`, 'shapleyValues');
  }
  if (forest !== null) {
    checkForestModel(forest, 'shapleyValues');
    if (d !== forest.inputDim) throw new ShapeError(`shapleyValues: x must have the model's width ${forest.inputDim}, got ${d}`, 'shapleyValues');
  }
  checkInputs(x, background);
  const features = options.features ?? mlp?.activeFeatures ?? Array.from({ length: d }, (_, j) => j);
  checkColumns(features, d, { where: 'shapleyValues', name: 'features' });
  const m = features.length;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const maxExact = options.maxExactFeatures ?? 16;
  const kernelSamples = options.kernelSamples ?? 2048;
  const seed = options.seed ?? 0;
  checkInt(batchSize, 1, Infinity, 'batchSize');
  checkInt(maxExact, 1, MAX_EXACT_LIMIT, 'maxExactFeatures');
  checkInt(seed, 0, Number.MAX_SAFE_INTEGER, 'seed');
  const threads = options.threads ?? defaultThreads();
  checkInt(threads, 1, 256, 'threads');

  const feat = Int32Array.from(features);
  const inputs: CoalitionInputs = {
    scoreFn: scoreFnOf(model),
    x,
    background: uniqueBackground(background.data, background.rows, d, feat),
    backgroundRows: background.rows,
    features: feat,
    batchSize,
  };
  if (m > maxExact) {
    checkInt(kernelSamples, 2 * m, Infinity, 'kernelSamples');
    const r = kernelShap(inputs, kernelSamples, seed);
    return { features: [...features], baseValue: r.baseValue, value: r.value, phi: r.phi, exact: false, samples: kernelSamples };
  }
  const v =
    mlp !== null && mlp.layers.length >= 2
      ? mlpValues({ ...inputs, model: mlp }, options.simd ?? true, threads)
      : forest !== null
        ? forestCoalitionValues({ ...inputs, model: forest })
        : coalitionValues(inputs);
  return { features: [...features], baseValue: v[0]!, value: v[v.length - 1]!, phi: shapleyFromValues(v, m), exact: true };
}

/**
 * The Shapley values of `offset + sum_k w_k f_k` as `sum_k w_k phi_k`, each term on its own path with
 * the same options (features default to the first MLP term's active features, else every column).
 * Exact when every term's values are.
 */
function weightedSumValues(model: WeightedSumModel, x: Float32Array, background: Background, options: ShapleyOptions): ShapleyResult {
  const { terms, offset } = model;
  if (terms.length === 0 || !terms.every((t) => Number.isFinite(t.weight)) || !Number.isFinite(offset)) {
    throw new InvalidOptionError(`shapleyValues: a weighted-sum model must have at least one term, finite weights and a finite offset, got ${terms.length} terms`, 'model');
  }
  const mlp = terms.find((t) => typeof t.model !== 'function' && t.model.kind === 'mlp-autoencoder')?.model as MlpAutoencoderModel | undefined;
  const features = options.features ?? mlp?.activeFeatures ?? Array.from({ length: x.length }, (_, j) => j);
  const parts = terms.map((t) => ({ weight: t.weight, r: shapleyValues(t.model, x, background, { ...options, features }) }));
  const phi = new Float64Array(features.length);
  let baseValue = offset;
  let value = offset;
  for (const { weight, r } of parts) {
    for (let i = 0; i < phi.length; i++) phi[i]! += weight * r.phi[i]!;
    baseValue += weight * r.baseValue;
    value += weight * r.value;
  }
  const sampled = parts.find((p) => !p.r.exact);
  return { features: [...features], baseValue, value, phi, exact: sampled === undefined, ...(sampled?.r.samples !== undefined ? { samples: sampled.r.samples } : {}) };
}

/** Any explainable model as a batched score function (the generic path; a weighted sum combines its terms'). */
export function scoreFnOf(model: ExplainableModel): ScoreFn {
  if (typeof model === 'function') return model;
  if (model.kind === 'mlp-autoencoder') return mlpScoreFn(model);
  if (model.kind === 'isolation-forest') return forestScoreFn(model);
  const terms = model.terms.map((t) => ({ fn: scoreFnOf(t.model), weight: t.weight }));
  let out = new Float64Array(0);
  return (rows, n) => {
    if (out.length < n) out = new Float64Array(n);
    const sum = out.subarray(0, n).fill(model.offset);
    for (const { fn, weight } of terms) {
      const s = fn(rows, n);
      for (let i = 0; i < n; i++) sum[i]! += weight * s[i]!;
    }
    return sum;
  };
}

/**
 * The coalition values of an MLP autoencoder: the SIMD kernel when allowed and possible, else (or
 * when its float32 sums overflowed) the float64 JavaScript path.
 * @throws DataError when the values are not finite even in float64
 */
function mlpValues(inputs: MlpCoalitionInputs, simd: boolean, threads: number): Float64Array {
  const fast = simd ? wasmMlpCoalitionValues(inputs, threads) : null;
  if (fast !== null && allFinite(fast)) return fast;
  const v = mlpCoalitionValues(inputs);
  if (!allFinite(v)) throw new DataError(`shapleyValues: model scores must be finite, got ${v.find((x) => !Number.isFinite(x))} (weights or inputs too large)`, 'model');
  return v;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

function checkInputs(x: Float32Array, background: Background): void {
  const d = x.length;
  if (d === 0) throw new ShapeError('shapleyValues: x must have at least one column, got 0', 'shapleyValues');
  if (!Number.isInteger(background.rows) || background.rows < 1) {
    throw new DataError(`shapleyValues: background must hold at least one row, got ${background.rows}`, 'background');
  }
  if (background.data.length !== background.rows * d) {
    throw new ShapeError(`shapleyValues: background must be [${background.rows}, ${d}] (${background.rows * d} values) to match x, got ${background.data.length} values`, 'shapleyValues');
  }
  for (let j = 0; j < d; j++) {
    if (!Number.isFinite(x[j]!)) throw new DataError(`shapleyValues: x column ${j} must be finite, got ${x[j]}`, 'x', { column: j });
  }
  for (let i = 0; i < background.data.length; i++) {
    const v = background.data[i]!;
    if (!Number.isFinite(v)) throw new DataError(`shapleyValues: background row ${Math.floor(i / d)}, column ${i % d} must be finite, got ${v}`, 'background', { row: Math.floor(i / d), column: i % d });
  }
}

function checkInt(value: number, min: number, max: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InvalidOptionError(`shapleyValues: ${name} must be an integer ${range}, got ${value}`, name);
  }
}
