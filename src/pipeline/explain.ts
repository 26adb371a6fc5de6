/**
 * `dadm explain`: for each row of a data file, the score, whether it is flagged, and the top-k
 * features that drove the score — by reconstruction attribution (autoencoder) or interventional
 * Shapley values (any model). Works on model.safetensors and on model.onnx. See docs/explain.md.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultConfig, type ExplainMethod, type ModelKind } from '../config/index.js';
import { checkRows, checkScores, checkWidth, openDataFile } from '../data/index.js';
import { DataError, InvalidOptionError } from '../errors.js';
import { limitsOf, type Limits } from '../limits.js';
import { reconstructionAttribution, shapleyAttribution, shapleyValues, topK, type FeatureAttribution } from '../explain/index.js';
import { readNpyFile, shapeTuple } from '../io/index.js';
import { loadKnownDetector, modelKinds, sameTraining, type CheckpointDetector, type KnownDetector } from '../models/index.js';
import type { ProgressCallback } from '../progress.js';
import { standardizeInPlace, type FeatureSchema, type Standardizer } from '../schema/index.js';
import { readDriftReference } from './drift/reference-file.js';

/** Options of {@link explain}; unset ones come from the model's config `explain` section. */
export interface ExplainOptions {
  /** model.safetensors or model.onnx */
  model: string;
  /** rows to explain, .npy `[rows, schema width]` in the units of the training file */
  data: string;
  method?: ExplainMethod;
  topK?: number;
  /** background .npy `[rows, width]` (training-file units); default: drift_reference.npz next to the model */
  background?: string;
  backgroundRows?: number;
  /** explain only rows with score > threshold */
  onlyFlagged?: boolean;
  /** explain only these row indices (0-based, in this order); `rows`/`flagged` still count the whole file */
  rows?: readonly number[];
  /** called after each explained row (`kind: 'rows'`, `phase: 'explain'`) */
  onProgress?: ProgressCallback;
  /** Overrides of the default limits of the files read (src/limits.ts; the CLI passes config.yaml's `limits`). */
  limits?: Partial<Limits>;
}

/** One feature of a row's explanation. `value` and `reconstructed` are in training-file units. */
export interface ExplainedFeature {
  feature: number;
  name: string;
  /** reconstruction: share of the squared error; shap: phi in score units */
  contribution: number;
  value: number;
  reconstructed?: number;
}

/** One explained row. */
export interface ExplainedRow {
  row: number;
  score: number;
  flagged: boolean;
  /** shap only: mean background score, and whether the values are exact */
  baseValue?: number;
  exact?: boolean;
  samples?: number;
  top: ExplainedFeature[];
}

/** What {@link explain} computed. */
export interface ExplainResult {
  method: ExplainMethod;
  modelType: ModelKind;
  threshold: number;
  rows: number;
  flagged: number;
  topK: number;
  /** shap only: where the background came from and how many rows it has */
  background: { source: string; rows: number } | null;
  explained: ExplainedRow[];
}

/**
 * Explains the rows of `opts.data` with the model of `opts.model`.
 * @throws InvalidOptionError for a method the model does not support or bad options
 * @throws FormatError / DataError for unreadable or mismatching files (named by file, row, column)
 */
export function explain(opts: ExplainOptions): ExplainResult {
  const detector = loadKnownDetector(opts.model, 'explain', { option: '--model', ...limitsOf(opts) });
  const cfg = detector.config?.explain ?? defaultConfig().explain;
  const method = opts.method ?? cfg.method;
  const k = opts.topK ?? cfg.topK;
  const active = detector.schema.activeFeatures;
  if (!Number.isInteger(k) || k < 1 || k > active) throw new InvalidOptionError(`explain: top-k must be an integer in [1, ${active}], got ${k}`, 'topK');
  const reconstruct = detector.explain.reconstruct;
  if (method === 'reconstruction' && reconstruct === null) {
    throw new InvalidOptionError(`explain: method 'reconstruction' must be used with ${noReconstruction(detector)} (use method shap)`, 'method');
  }
  const { data, rows, cols } = readRows(opts.data, detector.schema);
  const z = Float32Array.from(data);
  if (detector.standardizer !== null) standardizeInPlace(detector.standardizer, z, rows);
  const scores = new Float32Array(rows);
  detector.kernel(z, rows, scores);
  checkScores(scores, rows, { firstRow: 0, source: opts.data });
  const background = method === 'shap' ? loadBackground(opts, detector, cols, opts.backgroundRows ?? cfg.backgroundRows) : null;
  const features = Array.from({ length: active }, (_, j) => j);
  const names = detector.schema.featureNames;
  const explained: ExplainedRow[] = [];
  let flaggedCount = 0;
  for (let r = 0; r < rows; r++) if (scores[r]! > detector.threshold) flaggedCount++;
  const todo = selectedRows(opts.rows, rows).filter((r) => opts.onlyFlagged !== true || scores[r]! > detector.threshold);
  for (const r of todo) {
    const flagged = scores[r]! > detector.threshold;
    const raw = data.subarray(r * cols, (r + 1) * cols);
    const zr = z.subarray(r * cols, (r + 1) * cols);
    const row: ExplainedRow = { row: r, score: scores[r]!, flagged, top: [] };
    if (method === 'reconstruction') {
      const recon = reconstruct!(zr);
      const attrs = reconstructionAttribution({ input: zr, reconstruction: recon, activeFeatures: features, featureNames: names });
      row.top = topK(attrs, k).map((a) => ({ ...toRaw(a, raw), reconstructed: unstandardize(a.reconstructed, a.feature, detector.standardizer) }));
    } else {
      const result = shapleyValues(detector.explain.shapModel, zr, background!.data, {
        features,
        maxExactFeatures: cfg.maxExactFeatures,
        kernelSamples: cfg.kernelSamples,
      });
      row.baseValue = result.baseValue;
      row.exact = result.exact;
      if (result.samples !== undefined) row.samples = result.samples;
      row.top = topK(shapleyAttribution(result, zr, names), k).map((a) => toRaw(a, raw));
    }
    explained.push(row);
    opts.onProgress?.({ kind: 'rows', phase: 'explain', done: explained.length, total: todo.length });
  }
  return {
    method,
    modelType: detector.modelType,
    threshold: detector.threshold,
    rows,
    flagged: flaggedCount,
    topK: k,
    background: background === null ? null : { source: background.source, rows: background.data.rows },
    explained,
  };
}

/** `rows` checked against the file's row count, or every row. */
function selectedRows(selection: readonly number[] | undefined, rows: number): readonly number[] {
  if (selection === undefined) return Array.from({ length: rows }, (_, r) => r);
  for (const r of selection) {
    if (!Number.isInteger(r) || r < 0 || r >= rows) throw new InvalidOptionError(`explain: rows must be integers in [0, ${rows - 1}], got ${r}`, 'rows');
  }
  return selection;
}

function toRaw(a: FeatureAttribution, raw: Float32Array): ExplainedFeature {
  return { feature: a.feature, name: a.name, contribution: a.contribution, value: raw[a.feature]! };
}

function unstandardize(v: number, j: number, s: Standardizer | null): number {
  return s === null ? v : v * s.scale[j]! + s.mean[j]!;
}

/**
 * Completes "method 'reconstruction' must be used with ...": the kinds that reconstruct, or what an
 * ONNX file of such a kind lacks.
 */
function noReconstruction(d: KnownDetector): string {
  const kinds = modelKinds().filter((k) => k.reconstructs).map((k) => k.name);
  if (d.format === 'onnx' && kinds.includes(d.modelType)) {
    return `an ONNX ${d.modelType} that outputs its reconstruction of the raw input, got one that standardizes inside the graph or has no reconstruction output`;
  }
  return `an ${kinds.join(' or ')}, got ${d.modelType}`;
}

function readRows(path: string, schema: FeatureSchema): { data: Float32Array; rows: number; cols: number } {
  const file = openDataFile(path, '--data');
  try {
    checkWidth(file, schema);
    const data = new Float32Array(file.rows * file.cols);
    file.reader.readRows(0, file.rows, data);
    checkRows(data, { count: file.rows, firstRow: 0, cols: file.cols, active: schema.activeFeatures, source: path });
    return { data, rows: file.rows, cols: file.cols };
  } finally {
    file.reader.close();
  }
}

/** The first `count` background rows in model-input units, from --background or the drift reference. */
function loadBackground(opts: ExplainOptions, detector: KnownDetector, cols: number, count: number): { source: string; data: { data: Float32Array; rows: number } } {
  if (!Number.isInteger(count) || count < 1) throw new InvalidOptionError(`explain: background rows must be a positive integer, got ${count}`, 'backgroundRows');
  const active = detector.schema.activeFeatures;
  // The drift reference's sample is in the checkpoint's model-input units; an ONNX graph standardizes itself.
  const referenceInModelUnits = detector.format === 'checkpoint';
  if (opts.background !== undefined) {
    const arr = readNpyFile(opts.background, { what: 'background file', option: '--background', ...limitsOf(opts) });
    if (arr.shape.length !== 2 || arr.shape[1] !== cols) {
      throw new DataError(`${opts.background}: background must be [rows, ${cols}] like the data, got ${shapeTuple(arr.shape)}`, opts.background);
    }
    const rows = Math.min(count, arr.shape[0]!);
    if (rows === 0) throw new DataError(`${opts.background}: background rows must be at least 1, got 0`, opts.background);
    const data = Float32Array.from(arr.data.subarray(0, rows * cols) as ArrayLike<number>);
    checkRows(data, { count: rows, firstRow: 0, cols, active, source: opts.background });
    if (detector.standardizer !== null) standardizeInPlace(detector.standardizer, data, rows);
    return { source: opts.background, data: { data, rows } };
  }
  const path = join(dirname(opts.model), 'drift_reference.npz');
  if (!existsSync(path)) throw new DataError(`explain: a background must be given (--background) when ${path} does not exist, got neither`, path);
  const ref = readDriftReference(path, limitsOf(opts));
  if (ref.active !== active) throw new DataError(`${path}: active features must be ${active} like the model, got ${ref.active}`, path);
  const checkpoint = detector.format === 'checkpoint' ? (detector as KnownDetector & CheckpointDetector).checkpoint : null;
  if (checkpoint !== null && !sameTraining(checkpoint, ref.trainingId)) {
    throw new DataError(`${path}: drift reference must come from the train run of ${opts.model} (training id ${String(checkpoint.metadata.checkpoint_sha256).slice(0, 12)}), got training id ${ref.trainingId!.slice(0, 12)} (files of two train runs; pass --background)`, path);
  }
  const rows = Math.min(count, ref.sampleRows);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    // The reference sample is a uniform reservoir stored in file order, so its first rows would all
    // come from the start of the training file: take evenly spaced rows across the whole sample.
    const src = Math.floor(((r + 0.5) * ref.sampleRows) / rows);
    for (let j = 0; j < active; j++) {
      const v = ref.sample[src * active + j]!;
      // The sample is in the checkpoint's model-input units; an ONNX graph wants training-file units.
      data[r * cols + j] = referenceInModelUnits || ref.scaler === null ? v : v * ref.scaler.scale[j]! + ref.scaler.mean[j]!;
    }
  }
  return { source: path, data: { data, rows } };
}
