/**
 * The two ways a model reaches the explainers: any model as a batched score function, and the MLP
 * autoencoder as plain weights (which unlocks the structured Shapley fast path). Neither needs a
 * model class: the weights are model-spec's MlpSpec, scored by tensor's MlpForward kernel.
 */
import { checkMlpSpec, mlpWidths, type MlpSpec } from '../model-spec/index.js';
import { MlpForward, type Activation } from '../tensor/index.js';
import type { IsolationForestModel } from './forest-coalition-values.js';

export { mlpWidths };
export type { LinearWeights } from '../model-spec/index.js';

/**
 * A batched anomaly score: `rows [n, D]` (the first `n * D` values) -> `[n]` scores, higher = more
 * anomalous. It may return a view of a buffer it reuses; callers read it before the next call and
 * never write to it.
 */
export type ScoreFn = (rows: Float32Array, n: number) => Float32Array | Float64Array;

/** The activation union under explain's name (defined once in tensor/activation.ts). */
export type MlpActivation = Activation;

/** An MLP autoencoder as weights ({@link MlpSpec}), tagged for the Shapley explainer's fast path. */
export interface MlpAutoencoderModel extends MlpSpec {
  readonly kind: 'mlp-autoencoder';
}

/**
 * `offset + sum_k weight_k f_k(x)`: models combined linearly (an ensemble's members after an affine
 * calibration and a mean). Shapley values are linear in the model, so its values are the weighted
 * sum of its terms' values, each computed on its own fast path.
 */
export interface WeightedSumModel {
  readonly kind: 'weighted-sum';
  readonly terms: readonly { readonly model: ExplainableModel; readonly weight: number }[];
  readonly offset: number;
}

/** The forms of a model the Shapley explainer accepts. */
export type ExplainableModel = ScoreFn | MlpAutoencoderModel | IsolationForestModel | WeightedSumModel;

/**
 * Checks the layer chain, the activation and the active columns (model-spec's checker).
 * @throws ShapeError, InvalidOptionError, DataError as {@link checkMlpSpec}
 */
export function checkMlpModel(model: MlpAutoencoderModel, where: string): void {
  checkMlpSpec(model, where);
}

/**
 * The model's score as a {@link ScoreFn}: the autoencoder's reconstruction error through the same
 * forward kernel as nn's Autoencoder (float32 storage, gemm's float64 sums), so a row's score here
 * equals `dadm score`'s. Used for the value of `x`, the base value and KernelSHAP. The result
 * buffer is reused.
 */
export function mlpScoreFn(model: MlpAutoencoderModel): ScoreFn {
  const net = new MlpForward(model.layers, model.activation);
  const columns = model.activeFeatures === null ? null : Int32Array.from(model.activeFeatures);
  let out = new Float64Array(0);
  return (rows, n) => {
    if (out.length < n) out = new Float64Array(n);
    net.reconstructionError({ x: rows, rows: n, columns, out });
    return out.subarray(0, n);
  };
}
