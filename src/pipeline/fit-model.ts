/**
 * The one training path of every model kind, whatever holds the rows: `dadm train` (an .npy file) and
 * the in-memory estimators (src/estimators, a matrix through `memoryDataFile`) both call
 * {@link fitModel} and {@link fitCheckpointBytes}, so the same rows, config and seed give the same
 * model.safetensors bytes either way.
 */
import { configToYaml, type DadmConfig } from '../config/index.js';
import { checkWidth, prepass, scoreBlocks, splitRows, type DataFile, type PrepassResult, type RowTable, type TrainingData } from '../data/index.js';
import { DataError, InvalidOptionError } from '../errors.js';
import type { SafetensorsTensorLike } from '../io/index.js';
import {
  checkpointParts,
  modelKind,
  modelKinds,
  readCheckpoint,
  readCheckpointFile,
  signedCheckpoint,
  type FittedModel,
  type ThresholdMethod,
  type TrainingRun,
} from '../models/index.js';
import type { ProgressCallback } from '../progress.js';
import { schemaForMode, type FeatureSchema, type Standardizer } from '../schema/index.js';
import { fitThreshold, impliedFalsePositiveRate, type ThresholdSpec } from '../stats/index.js';

/** Inputs of {@link fitModel}. */
export interface FitModelOptions {
  /** The training rows, open (the caller closes it). */
  file: DataFile;
  /** A sequence kind's host ids, one per row of a 2-D `file` (open; the caller closes it), or null. */
  hosts?: RowTable | null;
  /** The run's config, validated; `config.model` names the kind. */
  config: DadmConfig;
  /** Checkpoint to start from (kinds that train from weights); its scaler is reused. */
  initCheckpoint?: string;
  onProgress?: ProgressCallback;
  /** Called when a stage ends ('check', 'model', 'threshold'), for timings. */
  onStage?: (stage: string) => void;
}

/** The threshold a run ends with, and the scores it was taken from. */
export interface RunThreshold {
  /** Scores of the threshold rows: validation rows, or training rows without validation. */
  scores: Float32Array;
  value: number;
  method: ThresholdMethod;
  /** Share of the threshold rows scoring above the threshold. */
  flaggedFraction: number;
  /** The false-positive rate the threshold implies, taking the threshold rows as normal (impliedFalsePositiveRate). */
  impliedFpr: number;
  /** Whether `threshold.method` set it (false when the kind fixed its own). */
  configRule: boolean;
}

/** What {@link fitModel} produced: the fitted model and everything its checkpoint records. */
export interface FittedRun {
  readonly config: DadmConfig;
  readonly schema: FeatureSchema;
  readonly data: TrainingData;
  readonly prepass: PrepassResult;
  readonly standardizer: Standardizer | null;
  readonly fit: TrainingRun;
  readonly threshold: RunThreshold;
  /** Validation loss of the kept epoch, or null. */
  readonly validationLoss: number | null;
  readonly fromCheckpoint: boolean;
}

/**
 * Checks every row, fits the scaler, trains the config's model kind and applies the threshold rule.
 * @throws DataError for a width that does not fit the schema or a non-finite value; InvalidOptionError
 *   for an unusable `initCheckpoint`; TrainingError when a loss is not finite
 */
export function fitModel(opts: FitModelOptions): FittedRun {
  const { file, config } = opts;
  const kind = modelKind(config.model);
  const schema = schemaForMode(config.schema, file.cols);
  checkWidth(file, schema, 'train');
  const init = opts.initCheckpoint === undefined ? null : readInitModel(opts.initCheckpoint, config, schema);
  const split = splitRows(file.rows, config.training.validationFraction, config.training.seed);
  const pre = prepass({
    file,
    split,
    active: schema.activeFeatures,
    standardize: config.standardize && init?.standardizer == null,
    seed: config.training.seed,
    driftSampleRows: config.drift.sampleRows,
    fitSampleRows: kind.fitSampleRows(config, split.trainingRows),
    onRows: (done) => opts.onProgress?.({ kind: 'rows', phase: 'check', done, total: file.rows }),
  });
  const standardizer = init?.standardizer ?? pre.standardizer;
  opts.onStage?.('check');
  const data: TrainingData = { file, split, standardizer, fitSample: pre.fitSample, hosts: opts.hosts ?? null };
  const fit = kind.train({ data, config, schema, init: init?.model ?? null, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  opts.onStage?.('model');
  const threshold = applyThresholdRule(fit, data, config);
  opts.onStage?.('threshold');
  const validationLoss = fit.epochs.find((e) => e.epoch === fit.bestEpoch)?.validationLoss ?? null;
  return { config, schema, data, prepass: pre, standardizer, fit, threshold, validationLoss, fromCheckpoint: init !== null };
}

/**
 * The model.safetensors bytes of a run: header, scaler, the kind's tensors and the checksum.
 * @param configYaml the canonical YAML of `run.config` when the caller has it already
 */
export function fitCheckpointBytes(run: FittedRun, configYaml: string = configToYaml(run.config)): Uint8Array {
  return signedFitCheckpoint(run, configYaml).bytes;
}

/** {@link fitCheckpointBytes} with the checkpoint's digest (checkpoint_sha256), which train stamps into its other outputs as `training_id`. */
export function signedFitCheckpoint(run: FittedRun, configYaml: string = configToYaml(run.config)): { bytes: Uint8Array; digest: string } {
  const { config, schema, standardizer, threshold } = run;
  const state = run.fit.model.state();
  const header = checkpointParts(
    { modelType: config.model, config, configYaml, schema, standardizer, threshold: threshold.value, thresholdMethod: threshold.method, thresholdFpr: threshold.impliedFpr, training: trainingSummary(run) },
    state.metadata,
  );
  const tensors = new Map<string, SafetensorsTensorLike>([...header.tensors, ...state.tensors]);
  return signedCheckpoint(tensors, header.metadata);
}

/**
 * The threshold rule: the kind's own threshold if it fixed one, else `threshold.method` fitted on the
 * threshold rows' scores (stats' fitThreshold).
 * @throws DataError when target_fpr asks for a rate the threshold rows are too few to guarantee
 */
function applyThresholdRule(fit: TrainingRun, data: TrainingData, config: DadmConfig): RunThreshold {
  const { file, split, standardizer } = data;
  const scores = fit.validationScores ?? scoreBlocks({ file, split, blocks: split.trainingBlocks, standardizer, kernel: fit.model.score, out: new Float32Array(split.trainingRows) });
  const rows = split.validationRows > 0 ? 'validation' : 'training';
  const value = fit.threshold?.value ?? fitConfiguredThreshold(scores, config, rows);
  const method = fit.threshold?.method ?? (`${rows}-${config.threshold.method.replace('_', '-')}` as ThresholdMethod);
  let flagged = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > value) flagged++;
  return { scores, value, method, flaggedFraction: flagged / scores.length, impliedFpr: impliedFalsePositiveRate(scores, value), configRule: fit.threshold === null };
}

/** `threshold.method` with its parameter, fitted on the scores of the `rows` rows. */
function fitConfiguredThreshold(scores: Float32Array, config: DadmConfig, rows: string): number {
  const t = config.threshold;
  const spec: ThresholdSpec =
    t.method === 'quantile' ? { method: 'quantile', q: t.quantile } : t.method === 'contamination' ? { method: 'contamination', rate: t.contamination } : { method: 'target_fpr', fpr: t.targetFpr };
  try {
    return fitThreshold(scores, spec).threshold;
  } catch (err) {
    if (err instanceof DataError && t.method === 'target_fpr') {
      throw new DataError(
        `train: threshold.target_fpr ${t.targetFpr} must be at least 1 / (n + 1) = ${(1 / (scores.length + 1)).toPrecision(3)} for the ${scores.length} ${rows} rows it is fitted on, got ${t.targetFpr} (raise target_fpr, or training.validation_fraction, or use more rows)`,
      );
    }
    throw err;
  }
}

/** The checkpoint's JSON training summary (no timings, so the same run gives the same bytes). */
function trainingSummary(run: FittedRun): Record<string, unknown> {
  const { fit, data, config, threshold } = run;
  return {
    rows: data.file.rows,
    cols: data.file.cols,
    training_rows: data.split.trainingRows,
    validation_rows: data.split.validationRows,
    epochs_run: fit.epochs.length,
    best_epoch: fit.bestEpoch,
    stopped_early: fit.stoppedEarly,
    steps: fit.steps,
    validation_loss: run.validationLoss,
    final_train_loss: fit.epochs.at(-1)?.trainLoss ?? null,
    threshold_quantile: threshold.configRule && config.threshold.method === 'quantile' ? config.threshold.quantile : null,
    init_checkpoint: run.fromCheckpoint ? 'yes' : null,
  };
}

/**
 * The model and scaler of `--init-checkpoint`: a checkpoint of the run's kind and schema (the kind
 * checks the architecture when it trains).
 * @throws InvalidOptionError for a kind that cannot start from weights, another kind or another schema;
 *   FormatError as {@link readCheckpoint}
 */
function readInitModel(path: string, config: DadmConfig, schema: FeatureSchema): { model: FittedModel; standardizer: Standardizer | null } {
  const kind = modelKind(config.model);
  const ckpt = readCheckpoint(path, readCheckpointFile(path, '--init-checkpoint', config.limits), config.limits);
  if (!kind.trainsFromWeights || ckpt.modelType !== config.model) {
    const able = modelKinds().filter((k) => k.trainsFromWeights).map((k) => k.name).join(' or ');
    throw new InvalidOptionError(`train: --init-checkpoint must be a checkpoint of the run's model kind (${able}), got ${ckpt.modelType} for model ${config.model}`, 'initCheckpoint');
  }
  if (ckpt.schema.hash !== schema.hash) {
    throw new InvalidOptionError(`train: --init-checkpoint schema must be ${schema.name} (hash ${schema.hash.slice(0, 12)}), got ${ckpt.schema.name} (hash ${ckpt.schema.hash.slice(0, 12)})`, 'initCheckpoint');
  }
  return { model: kind.load(ckpt), standardizer: ckpt.standardizer };
}
