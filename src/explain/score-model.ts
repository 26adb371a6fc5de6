/**
 * The two ways a model reaches the explainers: any model as a batched score function, and the MLP
 * autoencoder as plain weights (which unlocks the structured Shapley fast path). Neither needs a
 * model class, so explain depends only on tensor and errors.
 */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';
import { erfScalar } from '../tensor/index.js';
import type { IsolationForestModel } from './forest-coalition-values.js';

/**
 * A batched anomaly score: `rows [n, D]` (the first `n * D` values) -> `[n]` scores, higher = more
 * anomalous. It may return a view of a buffer it reuses; callers read it before the next call and
 * never write to it.
 */
export type ScoreFn = (rows: Float32Array, n: number) => Float32Array | Float64Array;

/** Activations of {@link MlpAutoencoderModel}; 'gelu' is the exact erf form, as in PyTorch. */
export type MlpActivation = 'relu' | 'tanh' | 'gelu';

/** One Linear layer in PyTorch layout: `y = weight · x + bias`. */
export interface LinearWeights {
  /** `[out, in]` row-major */
  readonly weight: Float32Array;
  /** `[out]` */
  readonly bias: Float32Array;
}

/**
 * An MLP autoencoder as weights: Linear layers with `activation` after every layer but the last
 * (linear output). Its score is the mean over `activeFeatures` (null = all columns) of
 * `(reconstruction_j - x_j)^2` — the score of dadm's Autoencoder.
 */
export interface MlpAutoencoderModel {
  readonly kind: 'mlp-autoencoder';
  readonly layers: readonly LinearWeights[];
  readonly activation: MlpActivation;
  readonly activeFeatures: readonly number[] | null;
}

/** The forms of a model the Shapley explainer accepts. */
export type ExplainableModel = ScoreFn | MlpAutoencoderModel | IsolationForestModel;

/** Layer widths `[D, h1, ..., D]` of a checked model. */
export function mlpWidths(model: MlpAutoencoderModel): number[] {
  const widths = [model.layers[0]!.weight.length / model.layers[0]!.bias.length];
  for (const layer of model.layers) widths.push(layer.bias.length);
  return widths;
}

/**
 * Checks the layer chain, the activation and the active columns.
 * @throws ShapeError when layer widths do not chain or the output width differs from the input
 * @throws InvalidOptionError for an unknown activation or bad active columns
 * @throws DataError for a NaN/Inf weight or bias
 */
export function checkMlpModel(model: MlpAutoencoderModel, where: string): void {
  const { layers, activation, activeFeatures } = model;
  if (layers.length === 0) throw new ShapeError(`${where}: model.layers must hold at least one Linear layer, got 0`, where);
  let width = layers[0]!.weight.length / layers[0]!.bias.length;
  const inputDim = width;
  for (let l = 0; l < layers.length; l++) {
    const { weight, bias } = layers[l]!;
    if (bias.length === 0 || weight.length !== bias.length * width || !Number.isInteger(width)) {
      throw new ShapeError(`${where}: layers[${l}].weight must be [${bias.length}, ${width}], got ${weight.length} values`, where);
    }
    checkFinite(weight, `${where}: layers[${l}].weight`);
    checkFinite(bias, `${where}: layers[${l}].bias`);
    width = bias.length;
  }
  if (width !== inputDim) throw new ShapeError(`${where}: model output width must equal its input width ${inputDim}, got ${width}`, where);
  if (activation !== 'relu' && activation !== 'tanh' && activation !== 'gelu') {
    throw new InvalidOptionError(`${where}: model.activation must be 'relu', 'tanh' or 'gelu', got ${String(activation)}`, 'activation');
  }
  if (activeFeatures !== null) checkColumns(activeFeatures, inputDim, `${where}: model.activeFeatures`);
}

/** @throws DataError naming `what` and the first non-finite index */
function checkFinite(values: Float32Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new DataError(`${what} must be finite, got ${values[i]} at index ${i}`, what);
  }
}

/**
 * Checks a list of column indices: non-empty, distinct integers in [0, width).
 * @throws InvalidOptionError naming `what`
 */
export function checkColumns(columns: readonly number[], width: number, what: string): void {
  if (columns.length === 0) throw new InvalidOptionError(`${what} must not be empty, got []`, what);
  const seen = new Uint8Array(width);
  for (const j of columns) {
    if (!Number.isInteger(j) || j < 0 || j >= width || seen[j] === 1) {
      throw new InvalidOptionError(`${what} must be distinct integers in [0, ${width}), got ${j} in [${columns.join(', ')}]`, what);
    }
    seen[j] = 1;
  }
}

/** Applies the activation in place to `a[0..n)`. */
export function activateInPlace(a: Float32Array | Float64Array, n: number, activation: MlpActivation): void {
  if (activation === 'relu') {
    for (let i = 0; i < n; i++) if (a[i]! < 0) a[i] = 0;
  } else if (activation === 'tanh') {
    for (let i = 0; i < n; i++) a[i] = Math.tanh(a[i]!);
  } else {
    for (let i = 0; i < n; i++) a[i] = 0.5 * a[i]! * (1 + erfScalar(a[i]! * Math.SQRT1_2));
  }
}

/**
 * The model's score as a {@link ScoreFn}: a plain row-by-row forward pass (float64 accumulation),
 * used for the value of `x`, the base value and KernelSHAP. The result buffer is reused.
 */
export function mlpScoreFn(model: MlpAutoencoderModel): ScoreFn {
  const widths = mlpWidths(model);
  const d = widths[0]!;
  const maxWidth = Math.max(...widths);
  const active = Int32Array.from(model.activeFeatures ?? Array.from({ length: d }, (_, j) => j));
  let a = new Float64Array(maxWidth);
  let b = new Float64Array(maxWidth);
  let out = new Float64Array(0);
  return (rows, n) => {
    if (out.length < n) out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) a[j] = rows[r * d + j]!;
      for (let l = 0; l < model.layers.length; l++) {
        const { weight, bias } = model.layers[l]!;
        const inW = widths[l]!;
        const outW = widths[l + 1]!;
        for (let o = 0; o < outW; o++) {
          let s = bias[o]!;
          for (let k = 0; k < inW; k++) s += weight[o * inW + k]! * a[k]!;
          b[o] = s;
        }
        if (l + 1 < model.layers.length) activateInPlace(b, outW, model.activation);
        [a, b] = [b, a];
      }
      let s = 0;
      for (let i = 0; i < active.length; i++) {
        const j = active[i]!;
        const e = a[j]! - rows[r * d + j]!;
        s += e * e;
      }
      out[r] = s / active.length;
    }
    return out.subarray(0, n);
  };
}
