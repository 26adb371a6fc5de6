/**
 * The model-kind contract. Every kind of detector dadm trains (autoencoder, isolation forest, ...)
 * lives in its own folder under src/models/ and exports one {@link ModelKindHandler}; the registry
 * (registry.ts) lists them by name. The commands (train, score, export-onnx, quantize, drift,
 * explain, inspect, demo) only ever talk to this contract, so a new kind needs no change in any of
 * them: docs/architecture.md "Adding a model kind" has the steps.
 *
 * Units: a kind sees model-input units only. The pipeline applies the run's standardizer (if any)
 * before a kind trains or scores, and embeds it in exported graphs through {@link OnnxExportContext}.
 */
import type { DadmConfig, ModelKind } from '../config/index.js';
import type { ScoreKernel, TrainingData } from '../data/index.js';
import type { ExplainableModel } from '../explain/index.js';
import type { SafetensorsTensor, SafetensorsTensorLike } from '../io/index.js';
import type { onnx } from '../onnx/index.js';
import type { Var } from '../autograd/index.js';
import type { ProgressCallback } from '../progress.js';
import type { FeatureSchema, Standardizer } from '../schema/index.js';

export type { ModelKind, ScoreKernel };

/** How a kind reads its input: one row per item, or one window of consecutive rows per item. */
export type InputForm = 'rows' | 'windows';

/** A {@link ScoreKernel} running on worker threads, and the call that lets them go. */
export interface ParallelScoreKernel {
  readonly kernel: ScoreKernel;
  close(): void;
}

/**
 * The shape of one scored item: `[width]` for rows, `[steps, width]` for windows (a sequence kind's
 * score of a window is the score of the row that ends it). A batch of `n` items is `n * steps * width`
 * float32 values, row-major.
 */
export interface InputShape {
  readonly form: InputForm;
  /** Rows per item: 1 for 'rows', the window length T for 'windows'. */
  readonly steps: number;
  /** Features per row (the schema width D). */
  readonly width: number;
}

/** Values per item: `steps * width`. */
export function itemSize(shape: InputShape): number {
  return shape.steps * shape.width;
}

/** A kernel as the explainers' batched score function (its result buffer is reused). */
export function kernelScoreFn(kernel: ScoreKernel, size: number): ExplainableModel {
  let out = new Float32Array(0);
  return (rows, n) => {
    if (out.length < n) out = new Float32Array(n);
    kernel(rows.subarray(0, n * size), n, out);
    return out.subarray(0, n);
  };
}

/**
 * How a checkpoint's threshold was chosen: `threshold.method` (quantile, contamination or target_fpr)
 * applied to the validation scores, or to the training scores when there are no validation rows, or a
 * rule of the kind itself (the forest's numeric contamination), or, for a federated
 * model, the quantile of the clients' score histograms (docs/federated.md).
 */
export type ThresholdMethod =
  | 'validation-quantile'
  | 'training-quantile'
  | 'validation-contamination'
  | 'training-contamination'
  | 'validation-target-fpr'
  | 'training-target-fpr'
  | 'iforest-contamination'
  | 'federated-quantile';

/** Every threshold method a checkpoint may record (checked when one is read; the first three predate `threshold.method`). */
export const THRESHOLD_METHODS: readonly ThresholdMethod[] = [
  'validation-quantile',
  'training-quantile',
  'iforest-contamination',
  'validation-contamination',
  'training-contamination',
  'validation-target-fpr',
  'training-target-fpr',
  'federated-quantile',
];

/** One epoch in metrics.json. A kind fitted in one pass reports one epoch with `trainLoss` NaN. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
  seconds: number;
}

/**
 * A model's part of a checkpoint: its tensors and its metadata keys (the pipeline adds the header:
 * format, config, schema, scaler, threshold). Neural kinds name tensors by PyTorch state-dict names
 * and store them as F32, so `state().tensors` is also the weight vector that federated training
 * averages and differences.
 */
export interface ModelState {
  tensors: Map<string, SafetensorsTensorLike>;
  metadata: Record<string, string>;
}

/** A kind's part of a checkpoint as read back: the file has been checked (checksum, finite floats, header). */
export interface StoredModel {
  /** The checkpoint file, for messages (FormatError names it). */
  readonly path: string;
  /** Every tensor of the file, the scaler's included (a kind ignores names it does not own). */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  /** Every metadata key of the file. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The config the model was trained with. */
  readonly config: DadmConfig;
  readonly schema: FeatureSchema;
}

/** What {@link FittedModel.exportOnnx} gets from `dadm export-onnx`. */
export interface OnnxExportContext {
  /** Default-domain opset, already checked against the exporters' range. */
  readonly opset: number;
  /** A symbolic batch dimension instead of a batch of 1. */
  readonly dynamicBatch: boolean;
  /** Fold the scaler into the first layer where the kind can (a hint; kinds without layers ignore it). */
  readonly foldScaler: boolean;
  /** The graph must read raw rows: embed this standardizer (null: the model reads raw rows already). */
  readonly standardizer: Standardizer | null;
  readonly schema: FeatureSchema;
  /** The `dadm.*` metadata_props every exported model carries (model type, schema, threshold, ...). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** What the explainers need from a model, in model-input units. */
export interface ExplainHooks {
  /**
   * The model as {@link shapleyValues} takes it: a structured form (MLP weights, compiled trees) that
   * unlocks an exact fast path, or a batched score function over items.
   */
  readonly shapModel: ExplainableModel;
  /** The reconstruction of one item (reconstruction attribution), or null when the model has none. */
  readonly reconstruct: ((item: Float32Array) => Float32Array) | null;
  /** A sequence kind's attributions of one window; absent for kinds that score rows. */
  readonly window?: WindowExplainHooks;
}

/**
 * How a sequence kind explains one window `[T, D]` (model-input units): the score's terms per feature
 * of the scored (last) step, the model's prediction of that step, and attributions against
 * background windows `[B, T, D]` that "remove" features or steps (docs/transformer.md "Explain").
 */
export interface WindowExplainHooks {
  /** `[D]` the score's terms per feature of the scored step (0 in inactive columns); their mean over the active features is the score. */
  stepErrors(window: Float32Array): Float32Array;
  /** `[D]` the model's prediction of the scored step (NaN in inactive columns). */
  predictLastStep(window: Float32Array): Float32Array;
  /**
   * A batched score function over coalition masks `[n, D]` (1 = the feature from the window, 0 = from
   * each background window, in every step at once) for `shapleyValues` with x = ones, background = zeros.
   */
  coalitionScore(window: Float32Array, background: Float32Array): (masks: Float32Array, n: number) => Float32Array;
  /** `[T]` per step: the window's score minus its mean score with that step taken from each background window. */
  stepAttribution(window: Float32Array, background: Float32Array): Float32Array;
}

/** A trained model of some kind, fresh from training or loaded from a checkpoint. */
export interface FittedModel {
  readonly kind: ModelKind;
  /** What one scored item is. */
  readonly input: InputShape;
  /** Scores items in model-input units (higher = more anomalous). Trusts its caller on sizes. */
  readonly score: ScoreKernel;
  /**
   * {@link score} with the items split across `threads` threads (the calling one included; each
   * item's score as on one thread); absent when the kind scores on one thread only. The workers
   * copy the model when the kernel is made: close it when done, make a new one after the weights change.
   */
  parallelScore?(threads: number): ParallelScoreKernel;
  readonly explain: ExplainHooks;
  /** Checkpoint tensors and metadata keys; loading them back with the kind's `load` gives the same model. */
  state(): ModelState;
  /**
   * The ONNX graph `input [batch, ...item] -> score [batch]` (plus outputs of the kind's choosing)
   * that scores raw items like this model after the context's standardizer.
   * @throws InvalidOptionError / DataError as the exporters for values they cannot write
   */
  exportOnnx(ctx: OnnxExportContext): onnx.ModelProto;
  /** Counts for `dadm inspect`, e.g. `{ Linear: 4, ReLU: 3 }` or `{ trees: 100, nodes: 3482 }`. */
  describe(): Record<string, number>;
}

/** What a kind's `train` is given. */
export interface TrainContext {
  readonly data: TrainingData;
  /** The run's config, validated; a kind reads its own section and `training`. */
  readonly config: DadmConfig;
  readonly schema: FeatureSchema;
  /**
   * Weights to start from (`--init-checkpoint`; a federated client's copy of the global model), of
   * this kind; null to initialize from `training.seed`. Only kinds with `trainsFromWeights` get one.
   */
  readonly init: FittedModel | null;
  readonly onProgress?: ProgressCallback;
  /**
   * Called after each step's backward pass, before gradient clipping and the optimizer step, with
   * the parameters under their state-dict names (`.grad` holds the batch gradient, changed in
   * place). Federated training adds its client-drift correction here (docs/federated.md). Kinds
   * that train by gradient steps call it; kinds fitted in one pass ignore it.
   */
  readonly adjustGradients?: (named: readonly (readonly [string, Var])[]) => void;
}

/** What a kind's `train` returns: the model, the epoch record and what the threshold rule needs. */
export interface TrainingRun {
  readonly model: FittedModel;
  readonly epochs: EpochRecord[];
  /** Epoch whose weights were kept. */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  /** Optimizer steps over all epochs (0 for a kind fitted without steps). */
  readonly steps: number;
  /**
   * Scores of the validation rows under the kept model, if the kind computed them anyway; null makes
   * the pipeline score the threshold rows (validation rows, or training rows without validation).
   */
  readonly validationScores: Float32Array | null;
  /** A threshold the kind fixes itself (e.g. the forest's contamination); null for the quantile rule. */
  readonly threshold: { readonly value: number; readonly method: ThresholdMethod } | null;
}

/** Per-coordinate sums over items and the item count: merges over any partition of the items by adding. */
export interface StatisticSums {
  readonly sums: Float64Array;
  readonly count: number;
}

/**
 * A tensor of a kind's state that is not a trained weight but a statistic of the data under fixed
 * weights (the transformer's `error_scale`), in a form that merges over any partition of the
 * training items. Federated training gathers it from the clients under the final weights instead of
 * averaging it like a weight (docs/federated.md "Fitted statistics").
 */
export interface FittedStatistic {
  /** The state tensor it fills, `[size]`. */
  readonly tensor: string;
  /**
   * Sums `[size]` over every training item of `data` (no validation split) under `model`'s weights.
   * @throws InvalidOptionError for a model of another kind; the kind's data errors
   */
  sums(model: FittedModel, data: TrainingData): StatisticSums;
  /** The tensor's value from sums merged over items. @throws DataError for sums no client could send */
  value(model: FittedModel, merged: StatisticSums): Float32Array;
}

/**
 * One model kind: how to train it on streamed data, load it from a checkpoint, and what it is.
 * Everything a trained model can do is on {@link FittedModel}; the handler itself is stateless.
 */
export interface ModelKindHandler {
  /** `model:` in config.yaml and `model_type` in checkpoints. */
  readonly name: ModelKind;
  /** `dadm.model_type` in exported ONNX files (e.g. 'isolation_forest' for iforest). */
  readonly onnxName: string;
  readonly inputForm: InputForm;
  /** Whether `train` can start from given weights ({@link TrainContext.init}). */
  readonly trainsFromWeights: boolean;
  /** Whether training runs epochs with a loss (summaries report best epoch and validation loss). */
  readonly trainsByEpochs: boolean;
  /** Whether fitted models have a reconstruction (`explain --method reconstruction`). */
  readonly reconstructs: boolean;
  /**
   * Training rows the pre-pass must sample uniformly for the fit (0 = none): a kind that fits on a
   * bounded sample (the forest) asks here, so the file is read once for checking and sampling.
   */
  fitSampleRows(config: DadmConfig, trainingRows: number): number;
  /**
   * The model `train` starts from when `init` is null: untrained weights drawn from
   * `config.training.seed` by the kind's init rule. Kinds with `trainsFromWeights` implement it
   * (federated training publishes it as the round-1 global model); kinds fitted in one pass leave it out.
   */
  initialModel?(config: DadmConfig, schema: FeatureSchema): FittedModel;
  /** A state tensor fitted from data rather than trained (absent when every tensor is a trained weight). */
  readonly fittedStatistic?: FittedStatistic;
  /**
   * Trains on the streamed data.
   * @throws TrainingError when a loss is not finite; InvalidOptionError when `init` does not fit the config
   */
  train(ctx: TrainContext): TrainingRun;
  /**
   * Rebuilds a fitted model from its checkpoint part. The part need not come from a file: a federated
   * server turns averaged weights back into a model with `load(storedFromState({ tensors, metadata },
   * context))` (checkpoint.ts), `tensors` being the averaged `state().tensors`.
   * @throws FormatError naming the file for missing, mistyped or inconsistent tensors or metadata
   */
  load(stored: StoredModel): FittedModel;
  /**
   * The explain hooks of a model of this kind rebuilt from an ONNX graph that dadm's exporter wrote
   * (its weights or trees read back and checked by model-spec's checkers, the graph checked to be
   * exactly what the exporter writes for them), in the graph's input units; null for any other graph
   * (another exporter, quantized, edited, standardizing inside). Explanations of a .onnx file then
   * take the kind's structured fast path instead of scoring every coalition through the runtime.
   */
  explainFromOnnx?(model: onnx.ModelProto): ExplainHooks | null;
}
