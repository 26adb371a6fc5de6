/**
 * The in-memory estimator every model kind shares, in scikit-learn's shape
 * (https://scikit-learn.org/stable/developers/develop.html): options in the constructor, `fit`
 * returns `this`, fitted state absent until then (scoring before raises NotFittedError through one
 * `fitted()` gate), and one sign convention per method. It trains through the model-kind contract on
 * exactly the path `dadm train` takes (pipeline `fitModel` over a matrix held in memory), so the same
 * rows, config and seed give the same model.safetensors bytes; a kind's estimator is a subclass that
 * only names its kind (autoencoder.ts, iforest.ts).
 */
import { configToYaml, defaultConfig, mergeConfig, type DadmConfig, type ModelKind, type PartialDadmConfig, type SchemaMode } from '../config/index.js';
import { memoryDataFile, type DataFile } from '../data/index.js';
import { FormatError, InvalidOptionError, NotFittedError, ShapeError } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import { checkpointDetector, readCheckpoint, readCheckpointFile, type CheckpointDetector, type EpochRecord } from '../models/index.js';
import { checkedOnnx, fitCheckpointBytes, fitModel } from '../pipeline/index.js';
import type { ProgressCallback } from '../progress.js';
import { asFloatMatrix, type MatrixInput } from '../tensor/index.js';

/**
 * Options every kind's estimator takes, next to its own section of config.yaml (camelCase, e.g.
 * `hiddenDims` for the autoencoder, `nEstimators` for the forest). Keys and values are checked as
 * config.yaml's (docs/config.md).
 */
export interface EstimatorOptions {
  /**
   * A full config to start from (e.g. `loadConfig()`); the other options merge over it. Default: the
   * config defaults with `schema: 'none'` and `standardize: true`, fit for any numeric table.
   */
  config?: DadmConfig;
  /** `'none'` (any numeric table) or `'endpoint-v1'` (the 64-wide endpoint rows). */
  schema?: SchemaMode;
  /** Fit per-column mean/std on X and standardize inside the model (and its ONNX graph). */
  standardize?: boolean;
  /** Epochs, batch size, optimizer, seed, validation fraction, ... (config.yaml `training`). */
  training?: Partial<DadmConfig['training']>;
  /** The quantile of the validation scores that becomes the threshold (config.yaml `threshold`). */
  threshold?: Partial<DadmConfig['threshold']>;
  /** Default opset and batch dimension of {@link KindEstimator.toOnnx}. */
  onnx?: Partial<DadmConfig['onnx']>;
  /** Progress of `fit` (rows checked, steps, epochs, stages); never printed. */
  onProgress?: ProgressCallback;
}

/** Options of {@link KindEstimator.toOnnx}; defaults from the config's `onnx` section. */
export interface ToOnnxOptions {
  opset?: number;
  dynamicBatch?: boolean;
  /** Autoencoder only: fold the scaler into the first layer (see `exportOnnx`). */
  foldScaler?: boolean;
}

const COMMON_KEYS = ['config', 'schema', 'standardize', 'training', 'threshold', 'onnx', 'onProgress'];

/** Defaults of an estimator without `config`: any numeric table, standardized. */
export function estimatorDefaults(): DadmConfig {
  return { ...defaultConfig(), schema: 'none', standardize: true };
}

/**
 * How an estimator reads its X: rows `[rows, features]` ({@link ROW_INPUT}) for the per-row kinds,
 * windows `[windows, T, features]` for a sequence kind (transformer.ts).
 */
export interface EstimatorInput<X> {
  /** X for `fit`, checked, as a data file over memory (at least 2 items). */
  trainingFile(where: string, x: X): DataFile;
  /**
   * X for scoring, checked against the fitted model's item shape: the values `[n, ...item]` and `n`.
   * @throws ShapeError for another item shape than at fit; DataError for NaN/Inf
   */
  items(where: string, x: X, detector: CheckpointDetector): { data: Float32Array; n: number };
}

/** X as rows `[rows, features]` (a {@link MatrixInput}). */
export const ROW_INPUT: EstimatorInput<MatrixInput> = {
  trainingFile(where, x) {
    const m = asFloatMatrix(where, x, 2);
    return memoryDataFile(m.data, m.shape, 'X');
  },
  items(where, x, detector) {
    const m = asFloatMatrix(where, x, 0);
    const [rows, cols] = m.shape;
    const width = detector.schema.dim;
    if (cols !== width) throw new ShapeError(`${where}: X must have ${width} columns as at fit, got ${cols}`, where, [[rows, cols], [rows, width]]);
    return { data: m.data, n: rows };
  },
};

interface Fitted {
  detector: CheckpointDetector;
  bytes: Uint8Array;
  epochs: EpochRecord[] | null;
}

/**
 * A model kind as an in-memory estimator. X is `[rows, features]`: a `{ data: Float32Array, shape }`
 * or rows of numbers (`number[][]`), in the units of the training data.
 *
 * Sign conventions (as scikit-learn's outlier detectors):
 * - {@link anomalyScore}: the kind's score (autoencoder: reconstruction error); HIGHER = more anomalous.
 * - {@link scoreSamples}: `-anomalyScore`; LOWER = more anomalous.
 * - {@link decisionFunction}: `scoreSamples - offset` = `threshold - anomalyScore`; negative = outlier.
 * - {@link predict}: -1 outlier (`anomalyScore > threshold`, as `dadm score` flags), +1 inlier.
 */
export abstract class KindEstimator<X = MatrixInput> {
  /** The model kind (`model:` in config.yaml). */
  readonly kind: ModelKind;
  /** The class name, for messages. */
  protected readonly name: string;
  private readonly input: EstimatorInput<X>;
  private readonly requested: DadmConfig;
  private readonly onProgress: ProgressCallback | undefined;
  private state: Fitted | undefined;

  /** @throws InvalidOptionError for an unknown option or a value config.yaml would refuse */
  protected constructor(kind: ModelKind, name: string, options: EstimatorOptions, input?: EstimatorInput<X>) {
    this.kind = kind;
    this.name = name;
    // X defaults to MatrixInput, whose reader is ROW_INPUT; a kind with other items passes its own.
    this.input = input ?? (ROW_INPUT as unknown as EstimatorInput<X>);
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError(`${name}: options must be an object, got ${String(options)}`, 'options');
    const { config, schema, standardize, training, threshold, onnx, onProgress, ...section } = options;
    const overrides: PartialDadmConfig = { model: kind };
    if (schema !== undefined) overrides.schema = schema;
    if (standardize !== undefined) overrides.standardize = standardize;
    if (training !== undefined) overrides.training = training;
    if (threshold !== undefined) overrides.threshold = threshold;
    if (onnx !== undefined) overrides.onnx = onnx;
    const own = Object.keys(section);
    if (own.length > 0) {
      if (!(kind in estimatorDefaults())) {
        throw new InvalidOptionError(`${name}: option names must be one of ${COMMON_KEYS.join(', ')}, got '${own[0]}'`, own[0]);
      }
      (overrides as Record<string, unknown>)[kind] = section;
    }
    this.requested = mergeConfig(overrides, config ?? estimatorDefaults(), name);
    this.onProgress = onProgress;
  }

  /**
   * Trains the kind on `x` [rows, features] exactly as `dadm train` trains on a file holding the same
   * rows: validation split, scaler, training, threshold rule. Deterministic per `training.seed`.
   * @returns this
   * @throws DataError for a non-finite value, too few rows or a width the schema refuses; ShapeError
   *   for a malformed matrix; InvalidOptionError for an invalid `config`; TrainingError when a loss is
   *   not finite
   */
  fit(x: X): this {
    const where = `${this.name}.fit`;
    const file = this.input.trainingFile(where, x);
    const configYaml = configToYaml(this.requested);
    const run = fitModel({ file, config: this.requested, ...(this.onProgress ? { onProgress: this.onProgress } : {}) });
    const bytes = fitCheckpointBytes(run, configYaml);
    this.state = { detector: checkpointDetector(readCheckpoint(`${this.name} checkpoint`, bytes)), bytes, epochs: run.fit.epochs };
    return this;
  }

  /** True once `fit` or `load` has produced a model. */
  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** The config: the one the model was trained with once fitted, else the requested one. */
  get config(): DadmConfig {
    return this.state?.detector.config ?? this.requested;
  }

  /** Features per row the model reads. @throws NotFittedError before fit */
  get nFeaturesIn(): number {
    return this.fitted('nFeaturesIn').detector.schema.dim;
  }

  /** Rows with `anomalyScore > threshold` are outliers. @throws NotFittedError before fit */
  get threshold(): number {
    return this.fitted('threshold').detector.threshold;
  }

  /** scikit-learn's `offset_`: `decisionFunction = scoreSamples - offset`, i.e. `-threshold`. @throws NotFittedError before fit */
  get offset(): number {
    return -this.threshold;
  }

  /** Per epoch: training and validation loss and seconds; null for a loaded model. @throws NotFittedError before fit */
  get epochs(): readonly EpochRecord[] | null {
    return this.fitted('epochs').epochs;
  }

  /**
   * The fitted model as the commands load it (schema, scaler, kernel, explain hooks, the kind's
   * `FittedModel`), e.g. for `shapleyValues`. @throws NotFittedError before fit
   */
  get detector(): CheckpointDetector {
    return this.fitted('detector').detector;
  }

  /**
   * The kind's anomaly score per row of `x` [rows, nFeaturesIn]. Sign: HIGHER = more anomalous.
   * @returns Float32Array [rows]
   * @throws NotFittedError before fit; ShapeError for another column count than at fit; DataError for NaN/Inf
   */
  anomalyScore(x: X): Float32Array {
    return this.scores(x, `${this.name}.anomalyScore`);
  }

  /**
   * scikit-learn's `score_samples`: `-anomalyScore(x)`. Sign: LOWER = more anomalous.
   * @returns Float32Array [rows]
   * @throws as {@link anomalyScore}
   */
  scoreSamples(x: X): Float32Array {
    const out = this.scores(x, `${this.name}.scoreSamples`);
    for (let i = 0; i < out.length; i++) out[i] = -out[i]!;
    return out;
  }

  /**
   * scikit-learn's `decision_function`: `threshold - anomalyScore(x)` (float64). Sign: negative =
   * outlier; the LOWER, the more anomalous.
   * @returns Float64Array [rows]
   * @throws as {@link anomalyScore}
   */
  decisionFunction(x: X): Float64Array {
    const s = this.scores(x, `${this.name}.decisionFunction`);
    const t = this.threshold;
    const out = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = t - s[i]!;
    return out;
  }

  /**
   * scikit-learn's `predict`: -1 (outlier) where `anomalyScore(x) > threshold`, else +1 (inlier).
   * @returns Int8Array [rows] of -1/+1
   * @throws as {@link anomalyScore}
   */
  predict(x: X): Int8Array {
    const s = this.scores(x, `${this.name}.predict`);
    const t = this.threshold;
    const out = new Int8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s[i]! > t ? -1 : 1;
    return out;
  }

  /**
   * The model.safetensors bytes (a copy): what `dadm train` writes for the same rows and config, and
   * what `dadm score --model`, `export-onnx` and {@link KindEstimator.load} read.
   * @throws NotFittedError before fit
   */
  toBytes(): Uint8Array {
    return this.fitted('toBytes').bytes.slice();
  }

  /**
   * Writes the checkpoint to `path` atomically (a failed write leaves no partial file).
   * @throws NotFittedError before fit; InvalidOptionError naming the path when it cannot be written
   */
  save(path: string): void {
    writeFileAtomic(path, this.fitted('save').bytes);
  }

  /**
   * The model as ONNX bytes, `input [batch, nFeaturesIn] -> score [batch]` on raw rows (the scaler
   * inside the graph), checked before it is returned by scoring 16 seeded rows with the model and
   * with dadm's runtime on the bytes (as `dadm export-onnx`).
   * @throws NotFittedError before fit; InvalidOptionError for an opset outside `EXPORT_OPSET_RANGE`
   */
  toOnnx(options: ToOnnxOptions = {}): Uint8Array {
    return checkedOnnx(this.fitted('toOnnx').detector, options, `${this.name}.toOnnx`).bytes;
  }

  /**
   * An estimator of this class holding the checkpoint at `source` (a path, or the bytes of
   * {@link toBytes}); its config is the one the model was trained with.
   * @throws FormatError for a file that is not a dadm checkpoint, is corrupted or holds another kind
   */
  static load<T extends KindEstimator<unknown>>(this: new () => T, source: string | Uint8Array): T {
    const estimator = new this();
    const label = typeof source === 'string' ? source : `${estimator.name}.load bytes`;
    const bytes = typeof source === 'string' ? readCheckpointFile(source) : source.slice();
    const checkpoint = readCheckpoint(label, bytes);
    if (checkpoint.modelType !== estimator.kind) {
      throw new FormatError(`${label}: model_type must be ${estimator.kind} for ${estimator.name}.load, got ${checkpoint.modelType}`, label);
    }
    estimator.state = { detector: checkpointDetector(checkpoint), bytes, epochs: null };
    return estimator;
  }

  /** Anomaly scores of `x` after the input checks, reported as coming from `where`. */
  private scores(x: X, where: string): Float32Array {
    const { detector } = this.fitted(where);
    const { data, n } = this.input.items(where, x, detector);
    return detector.score(data, n);
  }

  private fitted(method: string): Fitted {
    if (this.state === undefined) {
      const name = method.startsWith(`${this.name}.`) ? method : `${this.name}.${method}`;
      throw new NotFittedError(`${name}: the model must be fitted first (call fit or ${this.name}.load), got an unfitted instance`);
    }
    return this.state;
  }
}
