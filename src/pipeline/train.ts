/**
 * `dadm train`: one streamed training run from a data .npy to out-dir/{model.safetensors,
 * drift_reference.npz, metrics.json}, for any registered model kind. The output directory is checked
 * (and created) before training; the three files are staged in temporary files and renamed into
 * place together at the end, so a failed run (bad data, NaN loss, a write error) leaves none of them
 * and removes a directory it created.
 */
import { join } from 'node:path';
import { configToYaml, defaultConfig, mergeConfig, thresholdQuantile, type DadmConfig, type ModelKind } from '../config/index.js';
import { checkWidth, openDataFile, prepass, scoreBlocks, splitRows, type TrainingData } from '../data/index.js';
import { InvalidOptionError } from '../errors.js';
import { AtomicFileSet, ensureOutputDir, removeCreatedDirs, writeNpz, type SafetensorsTensorLike } from '../io/index.js';
import {
  checkpointBytes,
  checkpointParts,
  modelKind,
  modelKinds,
  readCheckpoint,
  schemaRecord,
  type EpochRecord,
  type FittedModel,
  type ThresholdMethod,
  type TrainingRun,
} from '../models/index.js';
import type { ProgressCallback } from '../progress.js';
import { schemaForMode, type FeatureSchema, type Standardizer } from '../schema/index.js';
import { quantile } from '../stats/index.js';
import { buildDriftReference } from './drift/reference.js';

/** Options of {@link train}. */
export interface TrainOptions {
  /** Training data .npy `[rows, cols]` (any numeric dtype; read as float32 by rows). */
  data: string;
  /** Output directory: created if missing (before training), removed again if the run fails. */
  outDir: string;
  /** Full config (e.g. from loadConfig); default {@link defaultConfig}. */
  config?: DadmConfig;
  /** Overrides `training.seed`. */
  seed?: number;
  /** Overrides `training.epochs`. */
  epochs?: number;
  /** Overrides `model`. */
  model?: ModelKind;
  /** Checkpoint to start from (same kind, schema and architecture; kinds that train from weights); its scaler is reused. */
  initCheckpoint?: string;
  onProgress?: ProgressCallback;
}

/** The content of metrics.json (snake_case on disk, see docs/pipeline.md). */
export interface TrainMetrics {
  modelType: ModelKind;
  rows: number;
  cols: number;
  trainingRows: number;
  validationRows: number;
  epochs: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  validationLoss: number | null;
  threshold: number;
  thresholdMethod: ThresholdMethod;
  /** Share of the threshold rows scoring above the threshold. */
  flaggedFraction: number;
  timings: Record<string, number>;
}

/** What {@link train} wrote. */
export interface TrainResult {
  files: { model: string; driftReference: string; metrics: string };
  metrics: TrainMetrics;
  config: DadmConfig;
}

/**
 * Trains the configured model kind on a .npy file, streaming it by rows (memory does not grow with
 * the file), and writes the checkpoint, the drift reference and metrics.json as one atomic set. Same
 * seed, data and config give a byte-identical model.safetensors.
 * @throws InvalidOptionError before any training when `outDir` is not a writable directory (e.g. a
 *   regular file), for a bad option, or naming the file when writing an output fails;
 *   DataError / FormatError for unusable data (named by file, row and column); TrainingError when a
 *   loss is not finite. Nothing is written when anything fails.
 */
export function train(opts: TrainOptions): TrainResult {
  const tStart = performance.now();
  const config = resolveConfig(opts);
  // The one full check of the run's config (a library caller may have built it by hand); its
  // canonical YAML goes into the checkpoint as is.
  const configYaml = configToYaml(config);
  const created = ensureOutputDir(opts.outDir, 'train');
  try {
    return runTraining(opts, { config, configYaml }, tStart);
  } catch (err) {
    removeCreatedDirs(opts.outDir, created);
    throw err;
  }
}

function runTraining(opts: TrainOptions, run: { config: DadmConfig; configYaml: string }, tStart: number): TrainResult {
  const { config, configYaml } = run;
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number): number => {
    const now = performance.now();
    timings[name] = (now - since) / 1000;
    opts.onProgress?.({ kind: 'stage', stage: name, seconds: timings[name]! });
    return now;
  };
  const kind = modelKind(config.model);
  const file = openDataFile(opts.data, { needsFile: 'train reads it once to check it, then once per epoch' });
  try {
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
    let t = lap('check', tStart);
    const data: TrainingData = { file, split, standardizer, fitSample: pre.fitSample };
    const fit = kind.train({
      data,
      config,
      schema,
      init: init?.model ?? null,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    t = lap('model', t);
    const th = applyThresholdRule(fit, data, config);
    t = lap('threshold', t);
    const reference = buildDriftReference({
      file,
      prepass: pre,
      standardizer,
      featureNames: schema.featureNames.slice(0, schema.activeFeatures),
      schema,
      scores: th.scores,
      threshold: th.value,
      sampleRows: config.drift.sampleRows,
    });
    t = lap('reference', t);
    const validationLoss = fit.epochs.find((e) => e.epoch === fit.bestEpoch)?.validationLoss ?? null;
    const summary = trainingSummary({ fit, data, config, th, validationLoss, fromCheckpoint: opts.initCheckpoint !== undefined });
    const state = fit.model.state();
    const header = checkpointParts({ modelType: config.model, config, configYaml, schema, standardizer, threshold: th.value, thresholdMethod: th.method, training: summary }, state.metadata);
    const tensors = new Map<string, SafetensorsTensorLike>([...header.tensors, ...state.tensors]);
    const files = { model: join(opts.outDir, 'model.safetensors'), driftReference: join(opts.outDir, 'drift_reference.npz'), metrics: join(opts.outDir, 'metrics.json') };
    const out = new AtomicFileSet();
    try {
      out.add(files.model, checkpointBytes(tensors, header.metadata));
      out.add(files.driftReference, writeNpz(reference));
      lap('write', t);
      timings.total = (performance.now() - tStart) / 1000;
      const metrics: TrainMetrics = {
        modelType: config.model,
        rows: file.rows,
        cols: file.cols,
        trainingRows: split.trainingRows,
        validationRows: split.validationRows,
        epochs: fit.epochs,
        bestEpoch: fit.bestEpoch,
        stoppedEarly: fit.stoppedEarly,
        validationLoss,
        threshold: th.value,
        thresholdMethod: th.method,
        flaggedFraction: th.flaggedFraction,
        timings,
      };
      out.add(files.metrics, new TextEncoder().encode(`${JSON.stringify(metricsJson(metrics, config, schema, th.quantileRule), null, 2)}\n`));
      out.commit();
      return { files, metrics, config };
    } finally {
      out.abort(); // after a commit this does nothing
    }
  } finally {
    file.reader.close();
  }
}

/** The threshold a run ends with, and the scores it was taken from. */
interface RunThreshold {
  /** Scores of the threshold rows: validation rows, or training rows without validation. */
  scores: Float32Array;
  value: number;
  method: ThresholdMethod;
  /** Share of the threshold rows scoring above the threshold. */
  flaggedFraction: number;
  /** Whether `threshold:` set it (false when the kind fixed its own). */
  quantileRule: boolean;
}

/** The threshold rule: the kind's own threshold if it fixed one, else `threshold:`'s quantile of the threshold rows' scores (thresholdQuantile). */
function applyThresholdRule(fit: TrainingRun, data: TrainingData, config: DadmConfig): RunThreshold {
  const { file, split, standardizer } = data;
  const scores = fit.validationScores ?? scoreBlocks({ file, split, blocks: split.trainingBlocks, standardizer, kernel: fit.model.score, out: new Float32Array(split.trainingRows) });
  const method = fit.threshold?.method ?? (split.validationRows > 0 ? 'validation-quantile' : 'training-quantile');
  const value = fit.threshold?.value ?? quantile(scores, thresholdQuantile(config.threshold));
  let flagged = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > value) flagged++;
  return { scores, value, method, flaggedFraction: flagged / scores.length, quantileRule: fit.threshold === null };
}

/** The checkpoint's JSON training summary (no timings, so the same run gives the same bytes). */
function trainingSummary(r: { fit: TrainingRun; data: TrainingData; config: DadmConfig; th: RunThreshold; validationLoss: number | null; fromCheckpoint: boolean }): Record<string, unknown> {
  const { fit, data, config, th } = r;
  return {
    rows: data.file.rows,
    cols: data.file.cols,
    training_rows: data.split.trainingRows,
    validation_rows: data.split.validationRows,
    epochs_run: fit.epochs.length,
    best_epoch: fit.bestEpoch,
    stopped_early: fit.stoppedEarly,
    steps: fit.steps,
    validation_loss: r.validationLoss,
    final_train_loss: fit.epochs.at(-1)?.trainLoss ?? null,
    threshold_quantile: th.quantileRule ? thresholdQuantile(config.threshold) : null,
    threshold_rule: th.quantileRule ? config.threshold.method : null,
    init_checkpoint: r.fromCheckpoint ? 'yes' : null,
  };
}

function resolveConfig(opts: TrainOptions): DadmConfig {
  const overrides: Parameters<typeof mergeConfig>[0] = {};
  if (opts.model !== undefined) overrides.model = opts.model;
  const training: Partial<DadmConfig['training']> = {};
  if (opts.seed !== undefined) training.seed = opts.seed;
  if (opts.epochs !== undefined) training.epochs = opts.epochs;
  overrides.training = training;
  return mergeConfig(overrides, opts.config ?? defaultConfig(), 'train options');
}

/**
 * The model and scaler of `--init-checkpoint`: a checkpoint of the run's kind and schema (the kind
 * checks the architecture when it trains).
 * @throws InvalidOptionError for a kind that cannot start from weights, another kind or another schema;
 *   FormatError as {@link readCheckpoint}
 */
function readInitModel(path: string, config: DadmConfig, schema: FeatureSchema): { model: FittedModel; standardizer: Standardizer | null } {
  const kind = modelKind(config.model);
  const ckpt = readCheckpoint(path);
  if (!kind.trainsFromWeights || ckpt.modelType !== config.model) {
    const able = modelKinds().filter((k) => k.trainsFromWeights).map((k) => k.name).join(' or ');
    throw new InvalidOptionError(`train: --init-checkpoint must be a checkpoint of the run's model kind (${able}), got ${ckpt.modelType} for model ${config.model}`, 'initCheckpoint');
  }
  if (ckpt.schema.hash !== schema.hash) {
    throw new InvalidOptionError(`train: --init-checkpoint schema must be ${schema.name} (hash ${schema.hash.slice(0, 12)}), got ${ckpt.schema.name} (hash ${ckpt.schema.hash.slice(0, 12)})`, 'initCheckpoint');
  }
  return { model: kind.load(ckpt), standardizer: ckpt.standardizer };
}

function metricsJson(m: TrainMetrics, config: DadmConfig, schema: FeatureSchema, quantileRule: boolean): Record<string, unknown> {
  return {
    format: 'dadm-metrics',
    model_type: m.modelType,
    ...schemaRecord(schema),
    rows: m.rows,
    cols: m.cols,
    training_rows: m.trainingRows,
    validation_rows: m.validationRows,
    seed: config.training.seed,
    epochs: m.epochs.map((e) => ({
      epoch: e.epoch,
      train_loss: Number.isFinite(e.trainLoss) ? e.trainLoss : null,
      validation_loss: e.validationLoss,
      seconds: e.seconds,
    })),
    best_epoch: m.bestEpoch,
    stopped_early: m.stoppedEarly,
    validation_loss: m.validationLoss,
    threshold: m.threshold,
    threshold_method: m.thresholdMethod,
    threshold_quantile: quantileRule ? thresholdQuantile(config.threshold) : null,
    threshold_rule: quantileRule ? config.threshold.method : null,
    flagged_fraction: m.flaggedFraction,
    timings_s: m.timings,
  };
}
