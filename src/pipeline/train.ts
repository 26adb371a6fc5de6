/**
 * `dadm train`: one streamed training run from a data .npy to out-dir/{model.safetensors,
 * drift_reference.npz, metrics.json}, for any registered model kind. The output directory is checked
 * (and created) before training; the three files are staged in temporary files and renamed into
 * place together at the end, so a failed run (bad data, NaN loss, a write error) leaves none of them
 * and removes a directory it created. The renames are three steps: a run killed between them would
 * leave files of two runs, so the drift reference and metrics.json carry the checkpoint's digest as
 * `training_id`, and every reader that combines them with the model refuses a mixed set.
 */
import { basename, join } from 'node:path';
import { configToYaml, defaultConfig, mergeConfig, type DadmConfig, type ModelKind } from '../config/index.js';
import { openDataFile, type DataFile } from '../data/index.js';
import { UsageError } from '../errors.js';
import { AtomicFileSet, NpyRowReader, ensureOutputDir, removeCreatedDirs, writeNpz } from '../io/index.js';
import { modelKind, modelKinds, schemaRecord, type EpochRecord, type ThresholdMethod } from '../models/index.js';
import type { ProgressCallback } from '../progress.js';
import type { FeatureSchema } from '../schema/index.js';
import type { BackendOption, ThreadsOption } from '../tensor/index.js';
import { applyBackend } from './compute.js';
import { buildDriftReference } from './drift/reference.js';
import { fitModel, signedFitCheckpoint } from './fit-model.js';
import { checkTimes } from './host-times.js';
import { refuseSameFile } from './same-file.js';

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
  /**
   * Host ids .npy `[rows]` (integers, one per row; a host's rows in time order): the rows form of
   * sequence data for a sequence kind (transformer). A 3-D window file `[N, T, F]` needs none.
   */
  hosts?: string;
  /**
   * With `hosts`: times .npy `[rows]` (int64 or float64, one per row); every host's rows must be in
   * non-decreasing time order, else a DataError names the file, host, row and both times.
   */
  timestamps?: string;
  /** Overrides `backend` (the kernels; the choice holds for the whole process). */
  backend?: BackendOption;
  /** Overrides `threads` (training steps and validation scoring). */
  threads?: ThreadsOption;
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
  /** The false-positive rate the threshold implies for normal rows (threshold rows taken as normal). */
  thresholdFpr: number;
  /** The checkpoint's `checkpoint_sha256`, also stamped into the drift reference. */
  trainingId: string;
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
  const files = outputFiles(opts.outDir);
  refuseSameFile(
    'train',
    Object.values(files).map((path) => ({ option: `--out-dir file ${basename(path)}`, path })),
    [
      { option: '--data', path: opts.data },
      opts.hosts === undefined ? undefined : { option: '--hosts', path: opts.hosts },
      opts.timestamps === undefined ? undefined : { option: '--timestamps', path: opts.timestamps },
      opts.initCheckpoint === undefined ? undefined : { option: '--init-checkpoint', path: opts.initCheckpoint },
    ],
  );
  applyBackend(config.backend);
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
  let since = tStart;
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = (now - since) / 1000;
    since = now;
    opts.onProgress?.({ kind: 'stage', stage: name, seconds: timings[name]! });
  };
  const { file, hosts } = openTrainingInput(opts, config);
  try {
    const fitted = fitModel({
      file,
      hosts,
      config,
      ...(opts.initCheckpoint !== undefined ? { initCheckpoint: opts.initCheckpoint } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      onStage: lap,
    });
    const { schema, threshold: th } = fitted;
    const { split } = fitted.data;
    const checkpoint = signedFitCheckpoint(fitted, configYaml);
    // The checkpoint's digest stamps the other two files: a reader refuses a set whose files come
    // from different runs (a kill between the renames below, or files copied together by hand).
    const trainingId = checkpoint.digest;
    const reference = buildDriftReference({
      file,
      prepass: fitted.prepass,
      standardizer: fitted.standardizer,
      featureNames: schema.featureNames.slice(0, schema.activeFeatures),
      schema,
      scores: th.scores,
      threshold: th.value,
      sampleRows: config.drift.sampleRows,
      trainingId,
    });
    lap('reference');
    const files = outputFiles(opts.outDir);
    const out = new AtomicFileSet();
    try {
      out.add(files.model, checkpoint.bytes);
      out.add(files.driftReference, writeNpz(reference));
      lap('write');
      timings.total = (performance.now() - tStart) / 1000;
      const { fit } = fitted;
      const metrics: TrainMetrics = {
        modelType: config.model,
        rows: file.rows,
        cols: file.cols,
        trainingRows: split.trainingRows,
        validationRows: split.validationRows,
        epochs: fit.epochs,
        bestEpoch: fit.bestEpoch,
        stoppedEarly: fit.stoppedEarly,
        validationLoss: fitted.validationLoss,
        threshold: th.value,
        thresholdMethod: th.method,
        flaggedFraction: th.flaggedFraction,
        thresholdFpr: th.impliedFpr,
        trainingId,
        timings,
      };
      out.add(files.metrics, new TextEncoder().encode(`${JSON.stringify(metricsJson(metrics, config, schema, th.configRule && config.threshold.method === 'quantile'), null, 2)}\n`));
      out.commit();
      return { files, metrics, config };
    } finally {
      out.abort(); // after a commit this does nothing
    }
  } finally {
    file.reader.close();
    hosts?.close();
  }
}

/** The three files a run writes into `outDir`. */
function outputFiles(outDir: string): TrainResult['files'] {
  return { model: join(outDir, 'model.safetensors'), driftReference: join(outDir, 'drift_reference.npz'), metrics: join(outDir, 'metrics.json') };
}

/**
 * The training data and, for a sequence kind's 2-D rows, its host ids (`--hosts`).
 * @throws UsageError for --hosts given to a per-row kind or with a 3-D window file, or a sequence
 *   kind's 2-D rows without --hosts; as {@link openDataFile} for the files
 */
function openTrainingInput(opts: TrainOptions, config: DadmConfig): { file: DataFile; hosts: NpyRowReader | null } {
  const windows = modelKind(config.model).inputForm === 'windows';
  if (opts.hosts !== undefined && !windows) {
    throw new UsageError(`train: --hosts must be given only to a sequence model (${sequenceKinds()}), got model ${config.model}`);
  }
  if (opts.timestamps !== undefined && opts.hosts === undefined) {
    throw new UsageError(`train: --timestamps must be given with --hosts (it orders each host's rows), got --timestamps ${opts.timestamps} without host ids`);
  }
  const file = openDataFile(opts.data, { option: '--data', windows, needsFile: 'train reads it once to check it, then once per epoch' });
  try {
    if (windows && file.steps === 1 && opts.hosts === undefined) {
      throw new UsageError(`train: model ${config.model} must be given --hosts hosts.npy (one host id per row) for 2-D rows, or a 3-D window file [N, T, F], got ${opts.data} without host ids`);
    }
    if (file.steps > 1 && opts.hosts !== undefined) {
      throw new UsageError(`train: --hosts must not be given with a 3-D window file (its windows are the groups), got ${opts.hosts} with ${opts.data}`);
    }
    const hosts = opts.hosts === undefined ? null : new NpyRowReader(opts.hosts, { option: '--hosts', what: 'host ids', limits: config.limits });
    if (hosts !== null && opts.timestamps !== undefined) checkTimes(file, hosts, { path: opts.timestamps, limits: config.limits });
    return { file, hosts };
  } catch (err) {
    file.reader.close();
    throw err;
  }
}

/** The sequence kinds' names, for messages. */
function sequenceKinds(): string {
  return modelKinds().filter((k) => k.inputForm === 'windows').map((k) => k.name).join(', ');
}

function resolveConfig(opts: TrainOptions): DadmConfig {
  const overrides: Parameters<typeof mergeConfig>[0] = {};
  if (opts.model !== undefined) overrides.model = opts.model;
  if (opts.backend !== undefined) overrides.backend = opts.backend;
  if (opts.threads !== undefined) overrides.threads = opts.threads;
  const training: Partial<DadmConfig['training']> = {};
  if (opts.seed !== undefined) training.seed = opts.seed;
  if (opts.epochs !== undefined) training.epochs = opts.epochs;
  overrides.training = training;
  return mergeConfig(overrides, opts.config ?? defaultConfig(), 'train options');
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
    threshold_quantile: quantileRule ? config.threshold.quantile : null,
    flagged_fraction: m.flaggedFraction,
    training_id: m.trainingId,
    threshold_fpr: m.thresholdFpr,
    timings_s: m.timings,
  };
}
