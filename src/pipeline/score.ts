/**
 * `dadm score`: scores a data .npy with a checkpoint, streaming the rows, and writes scores.npy.
 */
import type { ModelKind } from '../config/index.js';
import { checkWidth, openDataFile, scoreFile, scoreSequenceFile } from '../data/index.js';
import { DataError, UsageError } from '../errors.js';
import { NpyRowReader, readNpyFile, shapeTuple, writeNpyFile } from '../io/index.js';
import { loadKnownDetector, type DetectorModel } from '../models/index.js';
import type { ProgressCallback } from '../progress.js';
import { averagePrecision, precisionRecallAt, rocAuc } from '../stats/index.js';
import { refuseSameFile } from './same-file.js';

/** Options of {@link score}. */
export interface ScoreOptions {
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
  /** Sequence models with rows: write the padded-window flags as `[rows]` uint8 .npy (1 = the row's window was left-padded). */
  paddedOutput?: string;
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
}

/** What {@link score} computed. */
export interface ScoreResult {
  modelType: ModelKind;
  rows: number;
  threshold: number;
  /** Rows with score > threshold. */
  flagged: number;
  flaggedFraction: number;
  /** `[rows]` float32, higher = more anomalous. */
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
  const outputs = [
    ...(opts.output !== undefined ? [{ option: 'output', path: opts.output }] : []),
    ...(opts.paddedOutput !== undefined ? [{ option: 'padded-output', path: opts.paddedOutput }] : []),
  ];
  if (outputs.length > 0) refuseSameFile('score', outputs, inputs);
  // A model.onnx (from export-onnx or quantize) scores through dadm's runtime; its graph applies the scaler.
  const detector = loadKnownDetector(opts.model, 'score');
  const { scores, padded, items } = scoreDataFile(detector, opts.data, {
    hosts: opts.hosts,
    paddedOutput: opts.paddedOutput,
    onRows: (done, total) => opts.onProgress?.({ kind: 'rows', phase: 'score', done, total }),
  });
  const threshold = detector.threshold;
  let flagged = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > threshold) flagged++;
  const labels = opts.labels === undefined ? null : labelMetrics(scores, readLabels(opts.labels, scores.length), threshold);
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
    flagged,
    flaggedFraction: flagged / scores.length,
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
  o: { hosts?: string | undefined; paddedOutput?: string | undefined; onRows?: (done: number, total: number) => void },
): DataFileScores {
  const windows = detector.input.form === 'windows';
  if (!windows && (o.hosts !== undefined || o.paddedOutput !== undefined)) {
    throw new UsageError(`score: --${o.hosts !== undefined ? 'hosts' : 'padded-output'} must be given only with a sequence model, got a ${detector.modelType ?? 'per-row'} model`);
  }
  const file = openDataFile(path, { windows });
  try {
    checkWidth(file, detector.schema);
    const onRows = (done: number): void => o.onRows?.(done, file.rows);
    const common = { active: detector.schema.activeFeatures, standardizer: detector.standardizer, kernel: detector.kernel, onRows };
    if (!windows) return { scores: scoreFile(file, common), padded: null, items: 'rows' };
    if (file.steps === 1 && o.hosts === undefined) {
      throw new UsageError(`score: a ${detector.modelType ?? 'sequence'} model must be given --hosts hosts.npy (one host id per row) for 2-D rows, or a 3-D window file [N, T, F], got ${path} without host ids`);
    }
    if (file.steps > 1 && (o.hosts !== undefined || o.paddedOutput !== undefined)) {
      throw new UsageError(`score: --${o.hosts !== undefined ? 'hosts' : 'padded-output'} must not be given with a 3-D window file (one score per window), got ${path}`);
    }
    const hosts = o.hosts === undefined ? null : new NpyRowReader(o.hosts, { option: 'hosts', what: 'host ids' });
    try {
      const r = scoreSequenceFile(file, { ...common, steps: detector.input.steps, hosts });
      return { ...r, items: hosts === null ? 'windows' : 'rows' };
    } finally {
      hosts?.close();
    }
  } finally {
    file.reader.close();
  }
}


/**
 * Reads 0/1 labels `[rows]` (or `[rows, 1]`).
 * @throws DataError for another length or a value other than 0 and 1 (named by index)
 */
export function readLabels(path: string, rows: number): Uint8Array {
  const arr = readNpyFile(path);
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

function labelMetrics(scores: Float32Array, labels: Uint8Array, threshold: number): LabelMetrics {
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
  };
}
