/**
 * `dadm train`: one streamed training run from a data .npy to out-dir/{model.safetensors,
 * drift_reference.npz, metrics.json}. The output directory is checked (and created) before training;
 * the three files are staged in temporary files and renamed into place together at the end, so a
 * failed run (bad data, NaN loss, a write error) leaves none of them and removes a directory it created.
 */
import { join } from 'node:path';
import { AtomicFileSet, ensureOutputDir, removeCreatedDirs, writeNpz, type SafetensorsTensorLike } from '../io/index.js';
import { schemaForMode, type FeatureSchema, type Standardizer } from '../schema/index.js';
import { quantile } from '../stats/index.js';
import { architectureFor, autoencoderCheckpoint, autoencoderKernel, buildAutoencoder, buildOptimizer, readInitCheckpoint, type InitCheckpoint } from './autoencoder-model.js';
import { checkpointBytes, checkpointParts, schemaRecord, type ThresholdMethod } from './checkpoint.js';
import { defaultConfig, mergeConfig, type DadmConfig, type ModelKind } from './config.js';
import { checkWidth, openDataFile, type DataFile } from './data-file.js';
import { buildDriftReference, standardizeInPlace } from './drift-reference.js';
import { fitForest, forestCheckpoint, forestKernel, forestSampleRows, type ScoreKernel } from './iforest-model.js';
import { prepass } from './prepass.js';
import type { ReservoirSampler } from './reservoir.js';
import type { ProgressCallback } from './progress.js';
import { splitRows, type RowSplit } from './row-split.js';
import { scoreBlocks } from './score-rows.js';
import { trainAutoencoderLoop, type EpochRecord } from './train-autoencoder.js';

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
  /** Autoencoder checkpoint to start from (same schema and architecture); its scaler is reused. */
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
 * Trains the configured model on a .npy file, streaming it by rows (memory does not grow with the
 * file), and writes the checkpoint, the drift reference and metrics.json as one atomic set. Same
 * seed, data and config give a byte-identical model.safetensors.
 * @throws InvalidOptionError before any training when `outDir` is not a writable directory (e.g. a
 *   regular file), for a bad option, or naming the file when writing an output fails;
 *   DataError / FormatError for unusable data (named by file, row and column); TrainingError when a
 *   loss is not finite. Nothing is written when anything fails.
 */
export function train(opts: TrainOptions): TrainResult {
  const tStart = performance.now();
  const config = resolveConfig(opts);
  const created = ensureOutputDir(opts.outDir, 'train');
  try {
    return runTraining(opts, config, tStart);
  } catch (err) {
    removeCreatedDirs(opts.outDir, created);
    throw err;
  }
}

function runTraining(opts: TrainOptions, config: DadmConfig, tStart: number): TrainResult {
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number): number => {
    const now = performance.now();
    timings[name] = (now - since) / 1000;
    opts.onProgress?.({ kind: 'stage', stage: name, seconds: timings[name]! });
    return now;
  };
  const file = openDataFile(opts.data);
  try {
    const schema = schemaForMode(config.schema, file.cols);
    checkWidth(file, schema);
    const init = opts.initCheckpoint === undefined ? null : readInitCheckpoint(opts.initCheckpoint, config, schema);
    const split = splitRows(file.rows, config.training.validationFraction, config.training.seed);
    const isForest = config.model === 'iforest';
    const pre = prepass({
      file,
      split,
      active: schema.activeFeatures,
      standardize: config.standardize && init?.standardizer == null,
      seed: config.training.seed,
      driftSampleRows: config.drift.sampleRows,
      fitSampleRows: isForest ? forestSampleRows(config, split.trainingRows) : 0,
      onRows: (done) => opts.onProgress?.({ kind: 'rows', phase: 'check', done, total: file.rows }),
    });
    const standardizer = init?.standardizer ?? pre.standardizer;
    let t = lap('check', tStart);
    const fitted = isForest ? fitForestModel(file, split, standardizer, config, pre.fitSample!) : fitAutoencoder(file, split, standardizer, config, init, opts.onProgress);
    t = lap('model', t);
    const thresholdScores = fitted.thresholdScores ?? scoreBlocks(file, split, split.trainingBlocks, standardizer, fitted.kernel, new Float32Array(split.trainingRows));
    const useValidation = split.validationRows > 0;
    const thresholdMethod: ThresholdMethod = fitted.forestThreshold !== null ? 'iforest-contamination' : useValidation ? 'validation-quantile' : 'training-quantile';
    const threshold = fitted.forestThreshold ?? quantile(thresholdScores, config.threshold.quantile);
    let flagged = 0;
    for (let i = 0; i < thresholdScores.length; i++) if (thresholdScores[i]! > threshold) flagged++;
    t = lap('threshold', t);
    const reference = buildDriftReference({
      file,
      prepass: pre,
      standardizer,
      featureNames: schema.featureNames.slice(0, schema.activeFeatures),
      schema,
      scores: thresholdScores,
      threshold,
      sampleRows: config.drift.sampleRows,
    });
    t = lap('reference', t);
    const validationLoss = fitted.epochs.find((e) => e.epoch === fitted.bestEpoch)?.validationLoss ?? null;
    const summary = {
      rows: file.rows,
      cols: file.cols,
      training_rows: split.trainingRows,
      validation_rows: split.validationRows,
      epochs_run: fitted.epochs.length,
      best_epoch: fitted.bestEpoch,
      stopped_early: fitted.stoppedEarly,
      steps: fitted.steps,
      validation_loss: validationLoss,
      final_train_loss: fitted.epochs.at(-1)?.trainLoss ?? null,
      threshold_quantile: thresholdMethod === 'iforest-contamination' ? null : config.threshold.quantile,
      init_checkpoint: opts.initCheckpoint === undefined ? null : 'yes',
    };
    const header = checkpointParts({ modelType: config.model, config, schema, standardizer, threshold, thresholdMethod, training: summary }, fitted.metadata);
    const tensors = new Map<string, SafetensorsTensorLike>([...header.tensors, ...fitted.tensors]);
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
        epochs: fitted.epochs,
        bestEpoch: fitted.bestEpoch,
        stoppedEarly: fitted.stoppedEarly,
        validationLoss,
        threshold,
        thresholdMethod,
        flaggedFraction: flagged / thresholdScores.length,
        timings,
      };
      out.add(files.metrics, new TextEncoder().encode(`${JSON.stringify(metricsJson(metrics, config, schema), null, 2)}\n`));
      out.commit();
      return { files, metrics, config };
    } finally {
      out.abort(); // after a commit this does nothing
    }
  } finally {
    file.reader.close();
  }
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

/** Everything the orchestrator needs from a fitted model. */
interface FittedModel {
  kernel: ScoreKernel;
  tensors: Map<string, SafetensorsTensorLike>;
  metadata: Record<string, string>;
  epochs: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  thresholdScores: Float32Array | null;
  /** Threshold fixed by the forest's contamination, or null for the quantile rule. */
  forestThreshold: number | null;
}

function fitAutoencoder(file: DataFile, split: RowSplit, standardizer: Standardizer | null, config: DadmConfig, init: InitCheckpoint | null, onProgress?: ProgressCallback): FittedModel {
  const schema = schemaForMode(config.schema, file.cols);
  const arch = architectureFor(config, schema);
  const model = init?.model ?? buildAutoencoder(arch, config.training.seed);
  const optimizer = buildOptimizer(model, config);
  const run = trainAutoencoderLoop({ file, split, standardizer, config, model, optimizer, ...(onProgress ? { onProgress } : {}) });
  const ckpt = autoencoderCheckpoint(model, arch);
  return {
    kernel: autoencoderKernel(model),
    tensors: ckpt.tensors,
    metadata: ckpt.metadata,
    epochs: run.epochs,
    bestEpoch: run.bestEpoch,
    stoppedEarly: run.stoppedEarly,
    steps: run.steps,
    thresholdScores: run.validationScores,
    forestThreshold: null,
  };
}

function fitForestModel(
  file: DataFile,
  split: RowSplit,
  standardizer: Standardizer | null,
  config: DadmConfig,
  fitSample: ReservoirSampler,
): FittedModel {
  const t0 = performance.now();
  const sample = fitSample.sorted();
  const n = sample.index.length;
  if (standardizer !== null) standardizeInPlace(sample.rows, n, file.cols, standardizer);
  const forest = fitForest(sample.rows, n, file.cols, config, split.trainingRows);
  const kernel = forestKernel(forest);
  const thresholdScores =
    split.validationRows > 0 ? scoreBlocks(file, split, split.validationBlocks, standardizer, kernel, new Float32Array(split.validationRows)) : null;
  const ckpt = forestCheckpoint(forest);
  const seconds = (performance.now() - t0) / 1000;
  return {
    kernel,
    tensors: ckpt.tensors,
    metadata: ckpt.metadata,
    epochs: [{ epoch: 1, trainLoss: Number.NaN, validationLoss: null, seconds }],
    bestEpoch: 1,
    stoppedEarly: false,
    steps: 0,
    thresholdScores,
    // decisionFunction = scoreSamples - offset < 0  <=>  anomalyScore > -offset.
    forestThreshold: config.iforest.contamination === 'auto' ? null : -forest.offset,
  };
}

function metricsJson(m: TrainMetrics, config: DadmConfig, schema: FeatureSchema): Record<string, unknown> {
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
    threshold_quantile: m.thresholdMethod === 'iforest-contamination' ? null : config.threshold.quantile,
    flagged_fraction: m.flaggedFraction,
    timings_s: m.timings,
  };
}
