/**
 * `dadm explain`: for each row of a data file, the score, whether it is flagged, and the top-k
 * features that drove the score — by reconstruction attribution (autoencoder) or interventional
 * Shapley values (any model). Works on model.safetensors and on model.onnx. See docs/explain.md.
 */
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { DataError, FormatError, InvalidOptionError } from '../errors.js';
import type { ProgressCallback } from './progress.js';
import { forestScoreFn, mlpScoreFn, reconstructionAttribution, shapleyAttribution, shapleyValues, topK, type ExplainableModel, type FeatureAttribution, type IsolationForestModel } from '../explain/index.js';
import { readNpyFile, shapeTuple } from '../io/index.js';
import { Linear } from '../nn/index.js';
import type { FeatureSchema, Standardizer } from '../schema/index.js';
import { loadAutoencoder } from './autoencoder-model.js';
import { readCheckpoint } from './checkpoint.js';
import { defaultConfig, type DadmConfig, type ExplainMethod, type ModelKind } from './config.js';
import { checkRows, checkWidth, openDataFile } from './data-file.js';
import { standardizeInPlace } from './drift-reference.js';
import { readDriftReference } from './drift-reference-file.js';
import { loadForest } from './iforest-model.js';
import { decodeModelFile, isOnnxPath, loadOnnxDetector } from './onnx-scorer.js';

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

/** A model seen through what explaining needs: scores and explanations in model-input units. */
interface Subject {
  modelType: ModelKind;
  schema: FeatureSchema;
  threshold: number;
  explainConfig: DadmConfig['explain'];
  /** training-file units -> model-input units (the checkpoint's scaler; identity for ONNX) */
  standardizer: Standardizer | null;
  /** model-input units */
  shapModel: ExplainableModel;
  /** model-input units; null when the model has no usable reconstruction ... */
  reconstruct: ((z: Float32Array) => Float32Array) | null;
  /** ... and then why, completing "method 'reconstruction' must be used with ..." */
  noReconstruction: string;
  /** the drift reference's sample is in the checkpoint's model-input units; ONNX graphs standardize themselves */
  referenceInModelUnits: boolean;
}

/**
 * Explains the rows of `opts.data` with the model of `opts.model`.
 * @throws InvalidOptionError for a method the model does not support or bad options
 * @throws FormatError / DataError for unreadable or mismatching files (named by file, row, column)
 */
export function explain(opts: ExplainOptions): ExplainResult {
  const subject = isOnnxPath(opts.model) ? onnxSubject(opts.model) : checkpointSubject(opts.model);
  const cfg = subject.explainConfig;
  const method = opts.method ?? cfg.method;
  const k = opts.topK ?? cfg.topK;
  const active = subject.schema.activeFeatures;
  if (!Number.isInteger(k) || k < 1 || k > active) throw new InvalidOptionError(`explain: top-k must be an integer in [1, ${active}], got ${k}`, 'topK');
  if (method === 'reconstruction' && subject.reconstruct === null) {
    throw new InvalidOptionError(`explain: method 'reconstruction' must be used with ${subject.noReconstruction} (use method shap)`, 'method');
  }
  const { data, rows, cols } = readRows(opts.data, subject.schema);
  const z = Float32Array.from(data);
  if (subject.standardizer !== null) standardizeInPlace(z, rows, cols, subject.standardizer);
  const scores = scoreRows(subject.shapModel, z, rows);
  for (let r = 0; r < rows; r++) {
    if (!Number.isFinite(scores[r]!)) {
      throw new DataError(`${opts.data}: row ${r} score must be finite to explain, got ${scores[r]} (its values are too large for the model)`, opts.data);
    }
  }
  const background = method === 'shap' ? loadBackground(opts, subject, cols, opts.backgroundRows ?? cfg.backgroundRows) : null;
  const features = Array.from({ length: active }, (_, j) => j);
  const names = subject.schema.featureNames;
  const explained: ExplainedRow[] = [];
  let flaggedCount = 0;
  for (let r = 0; r < rows; r++) if (scores[r]! > subject.threshold) flaggedCount++;
  const todo = selectedRows(opts.rows, rows).filter((r) => opts.onlyFlagged !== true || scores[r]! > subject.threshold);
  for (const r of todo) {
    const flagged = scores[r]! > subject.threshold;
    const raw = data.subarray(r * cols, (r + 1) * cols);
    const zr = z.subarray(r * cols, (r + 1) * cols);
    const row: ExplainedRow = { row: r, score: scores[r]!, flagged, top: [] };
    if (method === 'reconstruction') {
      const recon = subject.reconstruct!(zr);
      const attrs = reconstructionAttribution({ input: zr, reconstruction: recon, activeFeatures: features, featureNames: names });
      row.top = topK(attrs, k).map((a) => ({ ...toRaw(a, raw), reconstructed: unstandardize(a.reconstructed, a.feature, subject.standardizer) }));
    } else {
      const result = shapleyValues(subject.shapModel, zr, background!.data, {
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
    modelType: subject.modelType,
    threshold: subject.threshold,
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

function checkpointSubject(path: string): Subject {
  const c = readCheckpoint(path);
  const base = { modelType: c.modelType, schema: c.schema, threshold: c.threshold, explainConfig: c.config.explain, standardizer: c.standardizer, referenceInModelUnits: true };
  if (c.modelType === 'iforest') {
    const { compiled, denominator, nFeaturesIn } = loadForest(c.path, c.contents).compiledTrees();
    const shapModel: IsolationForestModel = { kind: 'isolation-forest', ...compiled, denominator, inputDim: nFeaturesIn };
    return { ...base, shapModel, reconstruct: null, noReconstruction: 'an autoencoder, got iforest' };
  }
  const { model } = loadAutoencoder(c.path, c.contents);
  const linears = [...model.encoder.layers, ...model.decoder.layers].filter((m): m is Linear => m instanceof Linear);
  return {
    ...base,
    shapModel: {
      kind: 'mlp-autoencoder',
      layers: linears.map((l) => ({ weight: l.weight.data, bias: l.bias!.data })),
      activation: model.activation,
      activeFeatures: model.activeFeatures,
    },
    reconstruct: (z) => model.reconstruct(z, 1),
    noReconstruction: '',
  };
}

function onnxSubject(path: string): Subject {
  const proto = decodeModelFile(path);
  const d = loadOnnxDetector(path, proto);
  if (d.modelType === null || d.threshold === null) {
    const missing = d.modelType === null ? 'dadm.model_type' : 'dadm.threshold';
    throw new FormatError(`${path}: metadata ${missing} must be present to explain, got nothing (not exported by dadm export-onnx?)`, path);
  }
  // A graph that standardizes its input (dadm's exporter names the node scaler.Sub) reconstructs
  // standardized values, which cannot be compared with the rows we feed; only shap works there.
  const standardizes = (proto.graph?.node ?? []).some((n) => n.name === 'scaler.Sub');
  const input = d.model.inputNames[0]!;
  const canReconstruct = d.modelType === 'autoencoder' && d.model.outputNames.includes('reconstruction') && !standardizes;
  return {
    modelType: d.modelType,
    schema: d.schema,
    threshold: d.threshold,
    explainConfig: defaultConfig().explain,
    standardizer: null,
    shapModel: kernelScoreFn(d.kernel, d.inputDim),
    reconstruct: canReconstruct ? (z) => d.model.run({ [input]: { data: z, shape: [1, d.inputDim] } }).reconstruction!.data as Float32Array : null,
    noReconstruction: d.modelType !== 'autoencoder'
      ? `an autoencoder, got ${d.modelType}`
      : 'an ONNX autoencoder that outputs its reconstruction of the raw input, got one that standardizes inside the graph or has no reconstruction output',
    referenceInModelUnits: false,
  };
}

function kernelScoreFn(kernel: (x: Float32Array, n: number, cols: number, out: Float32Array) => void, cols: number): ExplainableModel {
  let out = new Float32Array(0);
  return (rows, n) => {
    if (out.length < n) out = new Float32Array(n);
    kernel(rows.subarray(0, n * cols), n, cols, out);
    return out.subarray(0, n);
  };
}

/** Scores of `z [rows, D]` (model-input units) through the same model the explanation uses. */
function scoreRows(model: ExplainableModel, z: Float32Array, rows: number): Float32Array {
  const fn = typeof model === 'function' ? model : model.kind === 'isolation-forest' ? forestScoreFn(model) : mlpScoreFn(model);
  return Float32Array.from(fn(z, rows));
}

function readRows(path: string, schema: FeatureSchema): { data: Float32Array; rows: number; cols: number } {
  const file = openDataFile(path);
  try {
    checkWidth(file, schema);
    const data = new Float32Array(file.rows * file.cols);
    file.reader.readRows(0, file.rows, data);
    checkRows(data, file.rows, 0, file.cols, schema.activeFeatures, path);
    return { data, rows: file.rows, cols: file.cols };
  } finally {
    file.reader.close();
  }
}

/** The first `count` background rows in model-input units, from --background or the drift reference. */
function loadBackground(opts: ExplainOptions, subject: Subject, cols: number, count: number): { source: string; data: { data: Float32Array; rows: number } } {
  if (!Number.isInteger(count) || count < 1) throw new InvalidOptionError(`explain: background rows must be a positive integer, got ${count}`, 'backgroundRows');
  const active = subject.schema.activeFeatures;
  if (opts.background !== undefined) {
    const arr = readNpyFile(opts.background);
    if (arr.shape.length !== 2 || arr.shape[1] !== cols) {
      throw new DataError(`${opts.background}: background must be [rows, ${cols}] like the data, got ${shapeTuple(arr.shape)}`, opts.background);
    }
    const rows = Math.min(count, arr.shape[0]!);
    if (rows === 0) throw new DataError(`${opts.background}: background rows must be at least 1, got 0`, opts.background);
    const data = Float32Array.from(arr.data.subarray(0, rows * cols) as ArrayLike<number>);
    checkRows(data, rows, 0, cols, active, opts.background);
    if (subject.standardizer !== null) standardizeInPlace(data, rows, cols, subject.standardizer);
    return { source: opts.background, data: { data, rows } };
  }
  const path = join(dirname(opts.model), 'drift_reference.npz');
  if (!existsSync(path)) throw new DataError(`explain: a background must be given (--background) when ${path} does not exist, got neither`, path);
  const ref = readDriftReference(path);
  if (ref.active !== active) throw new DataError(`${path}: active features must be ${active} like the model, got ${ref.active}`, path);
  const rows = Math.min(count, ref.sampleRows);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    // The reference sample is a uniform reservoir stored in file order, so its first rows would all
    // come from the start of the training file: take evenly spaced rows across the whole sample.
    const src = Math.floor(((r + 0.5) * ref.sampleRows) / rows);
    for (let j = 0; j < active; j++) {
      const v = ref.sample[src * active + j]!;
      // The sample is in the checkpoint's model-input units; an ONNX graph wants training-file units.
      data[r * cols + j] = subject.referenceInModelUnits || ref.scaler === null ? v : v * ref.scaler.scale[j]! + ref.scaler.mean[j]!;
    }
  }
  return { source: path, data: { data, rows } };
}
