/**
 * Any model kind that trains from weights, as federated training sees it, built on the model-kind
 * contract (src/models/kind.ts): the global model is the kind's `state()` (F32 tensors under
 * state-dict names, the kind's metadata keys), a client trains it with the kind's own `train` — the
 * code `dadm train` runs — starting from `init` = the global model, and the final model becomes a
 * normal dadm checkpoint. So a new kind with `trainsFromWeights` and `initialModel` plugs in with no
 * change here; the protocol only ever sees flat F32 vectors in a fixed layout.
 */
import { mergeConfig, type DadmConfig, type ModelKind } from '../config/index.js';
import { scoreBlocks, scoreSequenceFile } from '../data/index.js';
import { FormatError, InvalidOptionError } from '../errors.js';
import type { SafetensorsTensorLike } from '../io/index.js';
import { checkpointBytes, checkpointParts, modelKind, modelKinds, storedFromState, type FittedModel, type FittedStatistic, type ModelKindHandler, type StatisticSums } from '../models/index.js';
import type { StateDict } from '../nn/index.js';
import { schemaForMode, type FeatureSchema } from '../schema/index.js';
import { Tensor } from '../tensor/index.js';
import type { Var } from '../autograd/index.js';
import type { LocalData } from './local-data.js';
import { splitControlVariates } from './control-variates.js';
import { checkLayout, layoutOf, type GlobalModel } from './model-file.js';

/** Options of one local training run. */
export interface LocalTrainOptions {
  /** Local epochs over the client's rows (`training.epochs` of the run). */
  epochs: number;
  /** `training.seed` of the run (derived from the client's seed and the round): the shuffling. */
  seed: number;
  /** Changes each step's gradients in place (client-drift correction), see `TrainContext.adjustGradients`. */
  adjustGradients?: (named: readonly (readonly [string, Var])[]) => void;
}

/** What local training returns: new weights, rows trained on, mean loss of the last epoch. */
export interface LocalTrainResult {
  weights: StateDict;
  samples: number;
  loss: number;
}

/** What the calibration adds to the final checkpoint. */
export interface CheckpointCalibration {
  /** Rows with a score above it are anomalies. */
  threshold: number;
  /** The checkpoint's JSON `training` summary (rounds, clients, rows, …). The threshold is the
   * `threshold.quantile` of the clients' scores, so the false-positive rate it implies is 1 − quantile. */
  training: Record<string, unknown>;
}

/** A model kind as federated training sees it. */
export interface FederatedModelKind {
  readonly kind: ModelKind;
  /** The run's config (architecture and local training settings). */
  readonly config: DadmConfig;
  readonly schema: FeatureSchema;
  /** The model of round 1: the kind's untrained model with weights from `seed`. */
  initialModel(seed: number): GlobalModel;
  /**
   * Checks that a downloaded global model is what this kind builds from the local config (kind and
   * every metadata key of `state()`, e.g. the architecture). @throws FormatError naming the difference
   */
  checkModel(model: GlobalModel): void;
  /**
   * Trains a copy of `global` (without control variates) on the local rows with the kind's `train`
   * (the global model is `init`). Does not modify `global`. @throws TrainingError when a loss is not finite
   */
  train(global: GlobalModel, data: LocalData, options: LocalTrainOptions): LocalTrainResult;
  /** Anomaly scores (higher = more anomalous) of every local row under `model` (control variates, if
   * any, ignored), `[rows]`. */
  score(model: GlobalModel, data: LocalData): Float32Array;
  /**
   * The state tensor that is a statistic fitted from data (the transformer's `error_scale`), or null.
   * It is not part of an update: the calibration round gathers it under the final weights.
   */
  readonly statistic: string | null;
  /**
   * The statistic's sums over the local rows under `model`'s weights (what a client sends).
   * @throws InvalidOptionError when the kind has no statistic
   */
  statisticSums(model: GlobalModel, data: LocalData): StatisticSums;
  /**
   * `model` with its statistic tensor computed from sums merged over clients.
   * @throws InvalidOptionError when the kind has no statistic; DataError for unusable sums
   */
  withStatistic(model: GlobalModel, merged: StatisticSums): GlobalModel;
  /** The dadm checkpoint (model.safetensors) of `model`, as `dadm score`, `export-onnx`, `explain` read it. */
  checkpoint(model: GlobalModel, calibration: CheckpointCalibration): Uint8Array;
}

/**
 * The federated view of `config.model`.
 * @param width row width, needed with `schema: none` (the server has no data to read it from)
 * @throws InvalidOptionError for a kind that cannot train from weights, `standardize: true` (a
 *   federated scaler would need its own protocol round), or a missing width
 */
export function federatedKind(config: DadmConfig, width?: number): FederatedModelKind {
  const handler = modelKind(config.model);
  if (!handler.trainsFromWeights || handler.initialModel === undefined) {
    const able = modelKinds().filter((k) => k.trainsFromWeights && k.initialModel !== undefined).map((k) => k.name);
    throw new InvalidOptionError(`federated: model must be a kind that trains from weights (${able.join(', ')}), got '${config.model}'`, 'model');
  }
  if (config.standardize) throw new InvalidOptionError('federated: standardize must be false (a federated scaler is not implemented), got true', 'standardize');
  if (config.schema === 'none' && !(Number.isSafeInteger(width) && width! > 0)) {
    throw new InvalidOptionError(`federated: width must be a positive integer with schema 'none', got ${width}`, 'width');
  }
  const schema = schemaForMode(config.schema, width ?? 0);
  const fitted = (model: GlobalModel): FittedModel =>
    handler.load(storedFromState({ tensors: splitControlVariates(model).model.state, metadata: model.metadata }, { path: `global model v${model.version}`, config, schema }));
  const untrained = (seed: number): FittedModel => handler.initialModel!(mergeConfig({ training: { seed } }, config), schema);
  // Every global model carries these metadata keys (the architecture): a kind whose metadata also
  // records training results (the transformer's seed, threshold, history) would otherwise change
  // them every round, and the clients check them against their own config.
  const expected = untrained(0).state().metadata;
  const fittedStatistic = (): FittedStatistic => {
    if (handler.fittedStatistic === undefined) throw new InvalidOptionError(`federated: model must be a kind with a fitted statistic, got '${handler.name}' whose tensors are all trained weights`, 'model');
    return handler.fittedStatistic;
  };
  const initialModel = (seed: number): GlobalModel => globalOf(handler, untrained(seed), 0, expected);
  return {
    kind: handler.name,
    config,
    schema,
    initialModel,
    checkModel(model) {
      const want = canonicalJson(expected);
      const got = canonicalJson(model.metadata);
      if (model.kind !== handler.name || got !== want) {
        throw new FormatError(`global model: kind and metadata must be what the local config builds, ${handler.name} ${want}, got ${model.kind} ${got}`, 'model');
      }
    },
    train(global, data, options) {
      const local = mergeConfig({ training: { epochs: options.epochs, seed: options.seed, validationFraction: 0 } }, config);
      const run = handler.train({ data: data.training, config: local, schema, init: fitted(global), ...(options.adjustGradients ? { adjustGradients: options.adjustGradients } : {}) });
      const trained = globalOf(handler, run.model, global.version, global.metadata);
      checkLayout(trained.state, layoutOf(splitControlVariates(global).model.state), `${data.source}: locally trained model`);
      return { weights: trained.state, samples: data.training.split.trainingRows, loss: run.epochs.at(-1)?.trainLoss ?? NaN };
    },
    score(model, data) {
      const { file, split, hosts } = data.training;
      const m = fitted(model);
      if (m.input.form === 'windows') {
        // A row's score is its host's window ending at it, as `dadm score --hosts` gives it.
        if (hosts === null) throw new InvalidOptionError(`${data.source}: a ${handler.name} model must be given host ids (--hosts) to score rows, got none`, 'hosts');
        return scoreSequenceFile(file, { steps: m.input.steps, active: schema.activeFeatures, standardizer: null, kernel: m.score, hosts }).scores;
      }
      return scoreBlocks({ file, split, blocks: split.trainingBlocks, standardizer: null, kernel: m.score, out: new Float32Array(split.trainingRows) });
    },
    statistic: handler.fittedStatistic?.tensor ?? null,
    statisticSums(model, data) {
      return fittedStatistic().sums(fitted(model), data.training);
    },
    withStatistic(model, merged) {
      const stat = fittedStatistic();
      const value = stat.value(fitted(model), merged);
      return { ...model, state: new Map([...model.state, [stat.tensor, new Tensor(value, [value.length])]]) };
    },
    checkpoint(model, calibration) {
      const state = fitted(model).state();
      const header = checkpointParts(
        { modelType: handler.name, config, schema, standardizer: null, threshold: calibration.threshold, thresholdMethod: 'federated-quantile', thresholdFpr: 1 - config.threshold.quantile, training: calibration.training },
        state.metadata,
      );
      return checkpointBytes(new Map<string, SafetensorsTensorLike>([...header.tensors, ...state.tensors]), header.metadata);
    },
  };
}

/** Metadata keys as JSON in sorted key order (a decoded model file lists them sorted). */
function canonicalJson(metadata: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(metadata).sort().map((k) => [k, metadata[k]]));
}

/** A fitted model as a global model of `version`: its state's tensors (F32) under the given metadata keys. */
function globalOf(handler: ModelKindHandler, model: FittedModel, version: number, metadata: Readonly<Record<string, string>>): GlobalModel {
  const state = model.state();
  const tensors: StateDict = new Map();
  for (const [name, t] of state.tensors) {
    if (!(t.data instanceof Float32Array)) throw new FormatError(`${handler.name}: tensor ${name} must be F32 to be averaged, got ${t.data.constructor.name}`, 'model');
    tensors.set(name, new Tensor(Float32Array.from(t.data), t.shape));
  }
  return { state: tensors, version, kind: handler.name, metadata: { ...metadata } };
}
