/**
 * What federated training needs from a model kind, injected so that the protocol code knows no
 * model: an initial global model (server), local training from given weights (client), and scoring
 * (evaluation in simulations). The autoencoder kind below is built on src/nn's Autoencoder and its
 * fused training step with the config's training section; another kind (the sequence transformer)
 * plugs in by implementing the same interface.
 */
import { DataError, FormatError, InvalidOptionError, TrainingError } from '../errors.js';
import { readInputFile, readNpy } from '../io/index.js';
import { Adam, AdamW, Autoencoder, SGD, clipGradNorm, type Optimizer, type StateDict } from '../nn/index.js';
import type { DadmConfig } from '../config/index.js';
import { schemaForMode, validateModelInput } from '../schema/index.js';
import { Random } from '../tensor/index.js';
import type { GlobalModel } from './model-file.js';

/** Options of one local training run. */
export interface LocalTrainOptions {
  /** Local epochs over the client's rows. */
  epochs: number;
  /** Seed of the shuffling (derived from the client's seed and the round). */
  seed: number;
}

/** What local training returns: new weights, rows trained on, mean loss of the last epoch. */
export interface LocalTrainResult {
  weights: StateDict;
  samples: number;
  loss: number;
}

/** Trains a copy of the global weights on local data. Must not modify `global`. */
export interface LocalTrainer<D> {
  train(global: StateDict, data: D, options: LocalTrainOptions): LocalTrainResult;
}

/** A model kind as federated training sees it. */
export interface FederatedModelKind<D> {
  /** Name recorded in the global model file (`model_kind`). */
  readonly kind: string;
  /** The model of round 1 (weights from `seed`, the kind's own init rule). */
  initialModel(seed: number): GlobalModel;
  readonly trainer: LocalTrainer<D>;
  /**
   * Checks that a downloaded global model is what this kind trains (same architecture as the local
   * config). @throws FormatError naming the difference
   */
  checkModel(model: GlobalModel): void;
  /** Reads a client's local data file. @throws DataError / FormatError naming the file */
  loadData(path: string): D;
  /** Anomaly scores (higher = more anomalous) of `data` under `model`, `[rows]`. */
  score(model: GlobalModel, data: D): Float32Array;
}

/** Rows in memory: `[count, cols]` float32, row-major. */
export interface RowData {
  rows: Float32Array;
  count: number;
  cols: number;
  source: string;
}

/** Largest local data file read into memory (federated clients hold their rows; streaming is phase 2). */
export const MAX_LOCAL_DATA_BYTES = 2 ** 31;

/**
 * The autoencoder kind for a dadm config (architecture from `autoencoder`, optimizer, batch size,
 * learning rate and grad clip from `training`; `training.epochs` is replaced by the federated
 * `local_epochs`). Standardization is not supported: a federated scaler would need its own round.
 * @throws InvalidOptionError for a non-autoencoder config or `standardize: true`
 */
export function autoencoderKind(config: DadmConfig, width?: number): FederatedModelKind<RowData> {
  if (config.model !== 'autoencoder') throw new InvalidOptionError(`federated: model must be 'autoencoder', got '${config.model}'`, 'model');
  if (config.standardize) throw new InvalidOptionError('federated: standardize must be false (a federated scaler is not implemented), got true', 'standardize');
  if (config.schema === 'none' && !(Number.isSafeInteger(width) && width! > 0)) {
    throw new InvalidOptionError(`federated: width must be a positive integer with schema 'none', got ${width}`, 'width');
  }
  const schema = schemaForMode(config.schema, width ?? 0);
  const architecture = { hidden_dims: config.autoencoder.hiddenDims, activation: config.autoencoder.activation };
  const build = (inputDim: number, seed: number): Autoencoder => {
    const active = schema.activeFeatures;
    return new Autoencoder({
      inputDim,
      hiddenDims: config.autoencoder.hiddenDims,
      activation: config.autoencoder.activation,
      activeFeatures: active < inputDim ? Array.from({ length: active }, (_, j) => j) : null,
      lossFeatures: active < inputDim ? 'active' : 'all',
      rng: new Random(seed),
    });
  };
  const inputDimOf = (state: StateDict): number => state.get('encoder.0.weight')!.shape[1]!;
  return {
    kind: 'autoencoder',
    initialModel(seed) {
      return { state: build(schema.dim, seed).stateDict(), version: 0, kind: 'autoencoder', metadata: { architecture: JSON.stringify({ input_dim: schema.dim, ...architecture }) } };
    },
    checkModel(model) {
      const want = this.initialModel(0).metadata.architecture;
      if (model.kind !== 'autoencoder' || model.metadata.architecture !== want) {
        throw new FormatError(`global model: architecture must be the local config's ${want}, got ${model.kind} ${model.metadata.architecture ?? 'without architecture'}`, 'model');
      }
    },
    trainer: {
      train(global, data, options) {
        const model = build(inputDimOf(global), 0);
        model.loadStateDict(global);
        const loss = trainEpochs(model, buildOptimizer(model, config), data, { ...options, batchSize: config.training.batchSize, gradClip: config.training.gradClip });
        return { weights: model.stateDict(), samples: data.count, loss };
      },
    },
    loadData(path) {
      const arr = readNpy(readInputFile(path, { what: 'local data', sizeLimit: null, maxBytes: MAX_LOCAL_DATA_BYTES }), path);
      if (arr.shape.length !== 2) throw new DataError(`${path}: data must be a 2-D array [rows, features], got ${arr.shape.length} dimensions`, path);
      const [count, cols] = arr.shape as [number, number];
      validateModelInput(arr.data, count, cols, { schema, source: path });
      return { rows: arr.data, count, cols, source: path };
    },
    score(model, data) {
      const ae = build(inputDimOf(model.state), 0);
      ae.loadStateDict(model.state);
      return ae.score(data.rows, data.count);
    },
  };
}

/** The optimizer named by `training.optimizer` (fresh state every round, as FedAvg's clients start). */
function buildOptimizer(model: Autoencoder, config: DadmConfig): Optimizer {
  const t = config.training;
  if (t.optimizer === 'sgd') return new SGD(model.parameters(), { lr: t.learningRate, momentum: t.momentum, weightDecay: t.weightDecay });
  return new (t.optimizer === 'adamw' ? AdamW : Adam)(model.parameters(), { lr: t.learningRate, weightDecay: t.weightDecay });
}

/** Mini-batch epochs over rows in memory, reshuffled each epoch; returns the last epoch's mean loss. */
function trainEpochs(model: Autoencoder, optimizer: Optimizer, data: RowData, o: LocalTrainOptions & { batchSize: number; gradClip: number | null }): number {
  const { cols, count } = data;
  const batch = new Float32Array(Math.min(o.batchSize, count) * cols);
  const rng = new Random(o.seed);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let loss = 0;
  for (let e = 0; e < o.epochs; e++) {
    rng.shuffleInPlace(order);
    let sum = 0;
    for (let start = 0; start < count; start += o.batchSize) {
      const n = Math.min(o.batchSize, count - start);
      for (let k = 0; k < n; k++) batch.set(data.rows.subarray(order[start + k]! * cols, (order[start + k]! + 1) * cols), k * cols);
      const l = model.lossAndGrad(batch, n);
      if (!Number.isFinite(l)) throw new TrainingError(`${data.source}: local training loss must be finite, got ${l} at epoch ${e + 1} (lower training.learning_rate or set training.grad_clip)`);
      if (o.gradClip !== null) clipGradNorm(model.parameters(), o.gradClip);
      optimizer.step();
      sum += l * n;
    }
    loss = sum / count;
  }
  return loss;
}
