/**
 * `dadm score`: scores a data .npy with a checkpoint, streaming the rows, and writes scores.npy.
 */
import type { ModelKind } from '../config/index.js';
import { checkWidth, openDataFile, scoreFile, scoreSequenceFile, type NonFiniteScores, type ScoreKernel, type SequenceScoring } from '../data/index.js';
import { DataError, UsageError } from '../errors.js';
import { limitsOf, type Limits } from '../limits.js';
import { NpyRowReader, readNpyFile, shapeTuple, writeNpyFile } from '../io/index.js';
import { loadKnownDetector, type CheckpointDetector, type DetectorModel, type KnownDetector, type ParallelScoreKernel } from '../models/index.js';
import type { ProgressCallback } from '../progress.js';
import { averagePrecision, bestF1, operatingPointsAtFpr, precisionRecallAt, rocAuc, type OperatingPoint } from '../stats/index.js';
import { resolveThreads, type BackendOption, type ThreadsOption } from '../tensor/index.js';
import { applyBackend } from './compute.js';
import { refuseSameFile } from './same-file.js';
import { checkTimes } from './host-times.js';

/**
 * Where scoring runs, for every way of scoring (.npy files, NDJSON/CSV lines, scoreStream): the
 * `backend` and `threads` of config.yaml and `--backend` / `--threads` (docs/kernels.md).
 */
export interface ScoreCompute {
  /** Kernels to run (default `auto`: the process's choice; docs/kernels.md). */
  backend?: BackendOption;
  /**
   * Threads scoring the rows, the calling one included: 'auto' or a count (default 1). Checkpoints of
   * kinds with a parallel scorer use them; ONNX models and other kinds score on the calling thread.
   */
  threads?: ThreadsOption;
  /** Overrides of the default limits of the files read (src/limits.ts; the CLI passes config.yaml's `limits`). */
  limits?: Partial<Limits>;
}

/** A model loaded for scoring, and the kernel that scores with it on the threads asked for. */
export interface ScoringModel {
  readonly detector: KnownDetector;
  /** `[n, width]` rows (standardized when the detector has a standardizer) → `[n]` scores. */
  readonly kernel: ScoreKernel;
  /** Lets the kernel's worker threads go (a no-op on one thread). */
  close(): void;
}

/**
 * The one way the scoring paths load a model: applies `compute.backend`, loads `model` (a path, or a
 * detector already loaded) and makes its kernel on `compute.threads`. Close the result when done.
 * @param where the caller in messages about threads, e.g. `score`
 * @throws InvalidOptionError for bad threads, a backend that cannot run here, or a model without a
 *   kind or threshold; FormatError for a model file that is not one
 */
export function loadScoringModel(model: string | KnownDetector, compute: ScoreCompute, where: string): ScoringModel {
  const threads = resolveThreads(compute.threads ?? 1, `${where}: threads`);
  applyBackend(compute.backend ?? 'auto');
  // A model.onnx (from export-onnx or quantize) scores through dadm's runtime; its graph applies the scaler.
  const detector = typeof model === 'string' ? loadKnownDetector(model, 'score', { option: '--model', ...limitsOf(compute) }) : model;
  const parallel = threads > 1 ? parallelKernel(detector, threads) : null;
  return { detector, kernel: parallel?.kernel ?? detector.kernel, close: () => parallel?.close() };
}

/** Options of {@link score}. */
export interface ScoreOptions extends ScoreCompute {
  /** model.safetensors written by `train`, or a model.onnx from `export-onnx` / `quantize`. */
  model: string;
  /** Data .npy `[rows, schema width]`, in the units of the training file. */
  data: string;
  /** Where to write the scores: `[rows]` float32 .npy. Optional. */
  output?: string;
  /** Labels .npy `[rows]` of 0/1 (any numeric dtype) for quality metrics. Optional. */
  labels?: string;
  /**
   * Sequence models with 2-D rows: host ids .npy `[rows]` (integers; a host's rows in time order).
   * A 3-D window file `[N, T, F]` needs none and gets one score per window.
   */
  hosts?: string;
  /** With `hosts`: times .npy `[rows]` (int64 or float64); each host's rows must be in time order. */
  timestamps?: string;
  /** Sequence models with rows: write the padded-window flags as `[rows]` uint8 .npy (1 = the row's window was left-padded). */
  paddedOutput?: string;
  /**
   * A row whose score is NaN or ±Infinity: `'error'` (default) fails naming the file and row;
   * `'invalid'` stores NaN for it and counts it in `invalid`, apart from the flagged rows.
   */
  nonFinite?: NonFiniteScores;
  onProgress?: ProgressCallback;
}

/** Quality of the scores against labels. */
export interface LabelMetrics {
  positives: number;
  /** ROC-AUC, null when the labels hold only one class. */
  rocAuc: number | null;
  /** Average precision, null without positives. */
  averagePrecision: number | null;
  /** At the model's threshold (`score > threshold` flagged). */
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /**
   * For each of {@link OPERATING_FPRS}: the lowest threshold flagging at most that share of the
   * labelled normal rows, with its precision, recall and F1 (empty without a normal row).
   */
  operatingPoints: OperatingPoint[];
  /** The F1-maximising threshold on these labels (null without a labelled anomaly): a hindsight bound. */
  bestF1: OperatingPoint | null;
}

/** The false-positive rates `score` reports operating points at when it has labels. */
export const OPERATING_FPRS: readonly number[] = [0.001, 0.01, 0.05];

/** What {@link score} computed. */
export interface ScoreResult {
  modelType: ModelKind;
  rows: number;
  threshold: number;
  /**
   * The share of normal rows expected above the threshold, estimated at training from the threshold
   * rows taken as normal; null when the model file does not say (an ONNX file without dadm.threshold_fpr).
   */
  impliedFpr: number | null;
  /** Rows with score > threshold. */
  flagged: number;
  /** `flagged` over the rows with a finite score. */
  flaggedFraction: number;
  /** Rows without a finite score (only with `nonFinite: 'invalid'`; NaN in `scores`). */
  invalid: number;
  /** `[rows]` float32, higher = more anomalous; NaN for an invalid row. */
  scores: Float32Array;
  output: string | null;
  labels: LabelMetrics | null;
  /** What one score is: a row's (row models; sequence models with host ids) or a 3-D file's window's. */
  items: 'rows' | 'windows';
  /**
   * Sequence models with host ids: rows whose window was left-padded with the host's first row (the
   * first T-1 rows of each host: less context, scores less reliable); null otherwise.
   */
  paddedRows: number | null;
  paddedOutput: string | null;
}

/**
 * Loads the checkpoint, checks the data against its schema (width, finite values, zero padding),
 * scores every row and optionally writes the scores and compares them with labels.
 * @throws FormatError for a checkpoint or file that is not ours / corrupted; DataError for
 *   unusable data or labels (named by file, row and column)
 * @throws UsageError when `output` names the model, data or labels file
 */
export function score(opts: ScoreOptions): ScoreResult {
  const inputs = [
    { option: 'model', path: opts.model },
    { option: 'data', path: opts.data },
    opts.labels === undefined ? undefined : { option: 'labels', path: opts.labels },
  ];
  inputs.push(opts.hosts === undefined ? undefined : { option: 'hosts', path: opts.hosts });
  inputs.push(opts.timestamps === undefined ? undefined : { option: 'timestamps', path: opts.timestamps });
  const outputs = [
    ...(opts.output !== undefined ? [{ option: 'output', path: opts.output }] : []),
    ...(opts.paddedOutput !== undefined ? [{ option: 'padded-output', path: opts.paddedOutput }] : []),
  ];
  if (outputs.length > 0) refuseSameFile('score', outputs, inputs);
  const scoring = loadScoringModel(opts.model, opts, 'score');
  const { detector } = scoring;
  let scored: DataFileScores;
  try {
    scored = scoreDataFile({ ...detector, kernel: scoring.kernel }, opts.data, {
      hosts: opts.hosts,
      timestamps: opts.timestamps,
      limits: opts.limits,
      paddedOutput: opts.paddedOutput,
      onRows: (done, total) => opts.onProgress?.({ kind: 'rows', phase: 'score', done, total }),
      ...(opts.nonFinite === undefined ? {} : { nonFinite: opts.nonFinite }),
    });
  } finally {
    scoring.close();
  }
  const { scores, padded, items } = scored;
  const threshold = detector.threshold;
  let flagged = 0;
  let invalid = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! > threshold) flagged++;
    else if (Number.isNaN(scores[i]!)) invalid++;
  }
  const labels = opts.labels === undefined ? null : labelMetrics(validRows(scores, readLabels(opts.labels, scores.length, opts.limits), invalid), threshold);
  if (opts.output !== undefined) writeNpyFile(opts.output, { data: scores, shape: [scores.length] });
  if (opts.paddedOutput !== undefined && padded !== null) writeNpyFile(opts.paddedOutput, { data: padded, shape: [padded.length] });
  let paddedRows: number | null = null;
  if (padded !== null) {
    paddedRows = 0;
    for (let i = 0; i < padded.length; i++) paddedRows += padded[i]!;
  }
  return {
    modelType: detector.modelType,
    rows: scores.length,
    threshold,
    impliedFpr: detector.thresholdFpr,
    flagged,
    flaggedFraction: invalid === scores.length ? 0 : flagged / (scores.length - invalid),
    invalid,
    scores,
    output: opts.output ?? null,
    labels,
    items,
    paddedRows,
    paddedOutput: padded !== null ? (opts.paddedOutput ?? null) : null,
  };
}

/** The scores of a data file: per row, or per window of a sequence model's 3-D file. */
export interface DataFileScores {
  scores: Float32Array;
  /** Sequence models with host ids: 1 where the row's window was left-padded; else null. */
  padded: Uint8Array | null;
  items: 'rows' | 'windows';
}

/**
 * Checks and scores a data file with a detector, streaming: rows for a row model; for a sequence
 * model, each row by its host's window ending at it (`hosts`), or each window of a 3-D file.
 * @throws UsageError for --hosts / --padded-output with a row model or a 3-D file, or 2-D rows
 *   without --hosts for a sequence model; DataError/FormatError/ShapeError for unusable data
 */
export function scoreDataFile(
  detector: Pick<DetectorModel, 'schema' | 'kernel' | 'standardizer' | 'input' | 'modelType'>,
  path: string,
  o: {
    hosts?: string | undefined;
    /** With `hosts`: one time per row; each host's rows must be in time order (see checkHostTimeOrder). */
    timestamps?: string | undefined;
    /** Limits of the host-id and time files (config.yaml's `limits`). */
    limits?: Partial<Limits> | undefined;
    paddedOutput?: string | undefined;
    onRows?: (done: number, total: number) => void;
    nonFinite?: NonFiniteScores;
    /** The options that named the data and host files, for messages; default `--data`, `--hosts`. */
    options?: { data: string; hosts: string };
    /** The command, for messages; default `score`. */
    command?: string;
    /** Sequence models: sees each scored batch of windows (see scoreSequenceFile's onBatch). */
    onBatch?: SequenceScoring['onBatch'];
    /** Why the caller reads the data more than once (standard input is then refused; see openDataFile). */
    needsFile?: string;
  },
): DataFileScores {
  const windows = detector.input.form === 'windows';
  const command = o.command ?? 'score';
  if (o.timestamps !== undefined && o.hosts === undefined) {
    throw new UsageError(`${command}: --timestamps must be given with --hosts (it orders each host's rows), got --timestamps ${o.timestamps} without host ids`);
  }
  if (!windows && (o.hosts !== undefined || o.paddedOutput !== undefined)) {
    throw new UsageError(`${command}: --${o.hosts !== undefined ? 'hosts' : 'padded-output'} must be given only with a sequence model, got a ${detector.modelType ?? 'per-row'} model`);
  }
  const names = o.options ?? { data: '--data', hosts: '--hosts' };
  const file = openDataFile(path, { option: names.data, windows, ...(o.needsFile === undefined ? {} : { needsFile: o.needsFile }) });
  try {
    checkWidth(file, detector.schema);
    const onRows = (done: number): void => o.onRows?.(done, file.rows);
    const common = {
      active: detector.schema.activeFeatures,
      standardizer: detector.standardizer,
      kernel: detector.kernel,
      onRows,
      ...(o.nonFinite === undefined ? {} : { nonFinite: o.nonFinite }),
    };
    if (!windows) return { scores: scoreFile(file, common), padded: null, items: 'rows' };
    if (file.steps === 1 && o.hosts === undefined) {
      throw new UsageError(`${command}: a ${detector.modelType ?? 'sequence'} model must be given --hosts hosts.npy (one host id per row) for 2-D rows, or a 3-D window file [N, T, F], got ${path} without host ids`);
    }
    if (file.steps > 1 && (o.hosts !== undefined || o.paddedOutput !== undefined)) {
      throw new UsageError(`${command}: --${o.hosts !== undefined ? 'hosts' : 'padded-output'} must not be given with a 3-D window file (one score per window), got ${path}`);
    }
    const hosts = o.hosts === undefined ? null : new NpyRowReader(o.hosts, { option: names.hosts, what: 'host ids', ...limitsOf(o) });
    if (hosts !== null && o.timestamps !== undefined) checkTimes(file, hosts, { path: o.timestamps, limits: o.limits });
    try {
      const r = scoreSequenceFile(file, { ...common, steps: detector.input.steps, hosts, ...(o.onBatch ? { onBatch: o.onBatch } : {}) });
      return { ...r, items: hosts === null ? 'windows' : 'rows' };
    } finally {
      hosts?.close();
    }
  } finally {
    file.reader.close();
  }
}

/** The detector's kernel on `threads` threads, or null when its model scores on one thread only. */
function parallelKernel(detector: DetectorModel, threads: number): ParallelScoreKernel | null {
  return detector.format === 'checkpoint' ? (detector as CheckpointDetector).model.parallelScore?.(threads) ?? null : null;
}

/**
 * Reads 0/1 labels `[rows]` (or `[rows, 1]`).
 * @throws DataError for another length or a value other than 0 and 1 (named by index)
 */
export function readLabels(path: string, rows: number, limits?: Partial<Limits>): Uint8Array {
  const arr = readNpyFile(path, { what: 'labels file', option: '--labels', ...limitsOf({ limits }) });
  const n = arr.data.length;
  if (n !== rows || arr.shape.length > 2 || (arr.shape.length === 2 && arr.shape[1] !== 1)) {
    throw new DataError(`${path}: labels must have shape (${rows},) like the data, got ${shapeTuple(arr.shape)}`, path);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = arr.data[i]!;
    if (v !== 0 && v !== 1) throw new DataError(`${path}: label ${i} must be 0 or 1, got ${v}`, path, { index: i });
    out[i] = v;
  }
  return out;
}

/** The scores and labels of the rows with a finite score. */
function validRows(scores: Float32Array, labels: Uint8Array, invalid: number): { scores: Float32Array; labels: Uint8Array } {
  if (invalid === 0) return { scores, labels };
  const keep = scores.length - invalid;
  const s = new Float32Array(keep);
  const l = new Uint8Array(keep);
  for (let i = 0, k = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!)) continue;
    s[k] = scores[i]!;
    l[k++] = labels[i]!;
  }
  return { scores: s, labels: l };
}

function labelMetrics(rows: { scores: Float32Array; labels: Uint8Array }, threshold: number): LabelMetrics {
  const { scores, labels } = rows;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const pr = precisionRecallAt(scores, labels, threshold);
  return {
    positives,
    rocAuc: positives > 0 && positives < labels.length ? rocAuc(scores, labels) : null,
    averagePrecision: positives > 0 ? averagePrecision(scores, labels) : null,
    precision: pr.precision,
    recall: pr.recall,
    f1: pr.f1,
    tp: pr.tp,
    fp: pr.fp,
    tn: pr.tn,
    fn: pr.fn,
    operatingPoints: positives < labels.length ? operatingPointsAtFpr(scores, labels, OPERATING_FPRS) : [],
    bestF1: positives > 0 ? bestF1(scores, labels) : null,
  };
}
