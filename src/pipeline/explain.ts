/**
 * `dadm explain`: for each row of a data file, the score, whether it is flagged, and the top-k
 * features that drove the score — by reconstruction attribution (autoencoder) or interventional
 * Shapley values (any model). Works on model.safetensors and on model.onnx. See docs/explain.md.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultConfig, type DadmConfig, type ExplainMethod, type ModelKind } from '../config/index.js';
import { checkRows, checkScores, checkWidth, openDataFile } from '../data/index.js';
import { DataError, InvalidOptionError, UsageError } from '../errors.js';
import { limitsOf, type Limits } from '../limits.js';
import { reconstructionAttribution, shapleyAttribution, shapleyValues, topK, type FeatureAttribution } from '../explain/index.js';
import { readNpyFile, shapeTuple } from '../io/index.js';
import { loadKnownDetector, modelKinds, sameTraining, type CheckpointDetector, type KnownDetector } from '../models/index.js';
import type { ProgressCallback } from '../progress.js';
import { standardizeInPlace, type FeatureSchema, type Standardizer } from '../schema/index.js';
import { readDriftReference } from './drift/reference-file.js';
import { explainWindows } from './explain-windows.js';

/** Options of {@link explain}; unset ones come from the model's config `explain` section. */
export interface ExplainOptions {
  /** model.safetensors or model.onnx */
  model: string;
  /** rows to explain, .npy `[rows, schema width]` in the units of the training file (`-`: standard input; a sequence model: or windows `[N, T, width]`) */
  data: string;
  /** A sequence model's host ids .npy `[rows]` for 2-D rows (each row is explained by its host's window ending at it). */
  hosts?: string;
  method?: ExplainMethod;
  topK?: number;
  /**
   * background .npy `[rows, width]` (training-file units; a sequence model: or windows `[B, T, width]`,
   * else each row is held over the T steps); default: drift_reference.npz next to the model
   */
  background?: string;
  backgroundRows?: number;
  /** explain only rows with score > threshold */
  onlyFlagged?: boolean;
  /** explain only the `top` highest-scoring rows (after `onlyFlagged`) */
  top?: number;
  /**
   * explain only these row indices (0-based), reported in this order; `rows`/`flagged` still count
   * the whole file. Without it, explained rows are reported by descending score.
   */
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
  /**
   * Sequence models: per step of the window (0 = the scored step, -1 the one before, ...), the
   * score's drop when that step is taken from the background windows; positive = it raised the score.
   */
  steps?: { step: number; contribution: number }[];
}

/** What {@link explain} computed. */
export interface ExplainResult {
  method: ExplainMethod;
  modelType: ModelKind;
  threshold: number;
  rows: number;
  flagged: number;
  topK: number;
  /** shap only (and every sequence model): where the background came from and how many rows (windows) it has */
  background: { source: string; rows: number } | null;
  explained: ExplainedRow[];
  /** What `rows` counts and `row` indexes: rows (row models; sequence models with host ids) or a 3-D file's windows. */
  items: 'rows' | 'windows';
}

/** Everything explaining one row needs, fixed for a run ({@link rowExplainer}). */
export interface RowExplainer {
  readonly method: ExplainMethod;
  readonly k: number;
  readonly detector: KnownDetector;
  /** Model-input rows for Shapley values (null for reconstruction). */
  readonly background: { source: string; data: { data: Float32Array; rows: number } } | null;
  readonly config: DadmConfig['explain'];
}

/** What {@link rowExplainer} takes: {@link ExplainOptions}' explanation settings. */
export type RowExplainerOptions = Pick<ExplainOptions, 'model' | 'method' | 'topK' | 'background' | 'backgroundRows' | 'limits'>;

/**
 * Resolves the method, top-k and background for explaining rows of `detector` (defaults from the
 * model's config `explain` section), checking them once.
 * @throws InvalidOptionError for a method the model does not support or bad options
 * @throws FormatError / DataError for an unreadable or mismatching background
 */
/** The explain section that applies (the checkpoint's, else the defaults), the method and a checked top-k. */
function explainSettings(detector: KnownDetector, opts: Pick<ExplainOptions, 'method' | 'topK'>): { config: DadmConfig['explain']; method: ExplainMethod; k: number } {
  const config = detector.config?.explain ?? defaultConfig().explain;
  const method = opts.method ?? config.method;
  const k = opts.topK ?? config.topK;
  const active = detector.schema.activeFeatures;
  if (!Number.isInteger(k) || k < 1 || k > active) throw new InvalidOptionError(`explain: top-k must be an integer in [1, ${active}], got ${k}`, 'topK');
  return { config, method, k };
}

export function rowExplainer(detector: KnownDetector, opts: RowExplainerOptions): RowExplainer {
  const { config, method, k } = explainSettings(detector, opts);
  if (method === 'reconstruction' && detector.explain.reconstruct === null) {
    throw new InvalidOptionError(`explain: method 'reconstruction' must be used with ${noReconstruction(detector)} (use method shap)`, 'method');
  }
  const background = method === 'shap' ? loadBackground(opts, detector, detector.schema.dim, opts.backgroundRows ?? config.backgroundRows) : null;
  return { method, k, detector, background, config };
}

/**
 * The top-k features of one row: `raw` in training-file units, `z` the same row in model-input units.
 * @returns the explanation fields of an {@link ExplainedRow}
 */
export function explainRow(e: RowExplainer, raw: Float32Array, z: Float32Array): Pick<ExplainedRow, 'top' | 'baseValue' | 'exact' | 'samples'> {
  const { detector } = e;
  const features = Array.from({ length: detector.schema.activeFeatures }, (_, j) => j);
  const names = detector.schema.featureNames;
  if (e.method === 'reconstruction') {
    const recon = detector.explain.reconstruct!(z);
    const attrs = reconstructionAttribution({ input: z, reconstruction: recon, activeFeatures: features, featureNames: names });
    return { top: topK(attrs, e.k).map((a) => ({ ...toRaw(a, raw), reconstructed: unstandardize(a.reconstructed, a.feature, detector.standardizer) })) };
  }
  const result = shapleyValues(detector.explain.shapModel, z, e.background!.data, {
    features,
    maxExactFeatures: e.config.maxExactFeatures,
    kernelSamples: e.config.kernelSamples,
  });
  return {
    baseValue: result.baseValue,
    exact: result.exact,
    ...(result.samples !== undefined ? { samples: result.samples } : {}),
    top: topK(shapleyAttribution(result, z, names), e.k).map((a) => toRaw(a, raw)),
  };
}

/**
 * Explains the rows of `opts.data` with the model of `opts.model`.
 * @throws InvalidOptionError for a method the model does not support or bad options
 * @throws FormatError / DataError for unreadable or mismatching files (named by file, row, column)
 */
export function explain(opts: ExplainOptions): ExplainResult {
  const detector = loadKnownDetector(opts.model, 'explain', { option: '--model', ...limitsOf(opts) });
  if (opts.top !== undefined && !(Number.isSafeInteger(opts.top) && opts.top >= 1)) throw new InvalidOptionError(`explain: top must be an integer >= 1, got ${opts.top}`, 'top');
  if (detector.input.form === 'windows') {
    const { config: cfg, method, k } = explainSettings(detector, opts);
    const backgroundCount = opts.backgroundRows ?? cfg.backgroundRows;
    return explainWindows(opts, {
      detector, method, k, maxExactFeatures: cfg.maxExactFeatures, kernelSamples: cfg.kernelSamples, backgroundCount,
      backgroundRows: () => {
        const b = loadBackground(opts, detector, detector.schema.dim, backgroundCount);
        return { source: b.source, data: b.data.data, rows: b.data.rows };
      },
    });
  }
  if (opts.hosts !== undefined) {
    throw new UsageError(`explain: --hosts must be given only with a sequence model, got a ${detector.modelType} model`);
  }
  const explainer = rowExplainer(detector, opts);
  const { data, rows, cols, source } = readRows(opts.data, detector.schema);
  const z = Float32Array.from(data);
  if (detector.standardizer !== null) standardizeInPlace(detector.standardizer, z, rows);
  const scores = new Float32Array(rows);
  detector.kernel(z, rows, scores);
  checkScores(scores, rows, { firstRow: 0, source });
  let flaggedCount = 0;
  for (let r = 0; r < rows; r++) if (scores[r]! > detector.threshold) flaggedCount++;
  const todo = selectedRows(opts, scores, detector.threshold);
  const explained: ExplainedRow[] = [];
  for (const r of todo) {
    const raw = data.subarray(r * cols, (r + 1) * cols);
    const zr = z.subarray(r * cols, (r + 1) * cols);
    explained.push({ row: r, score: scores[r]!, flagged: scores[r]! > detector.threshold, ...explainRow(explainer, raw, zr) });
    opts.onProgress?.({ kind: 'rows', phase: 'explain', done: explained.length, total: todo.length });
  }
  return {
    method: explainer.method,
    modelType: detector.modelType,
    threshold: detector.threshold,
    rows,
    flagged: flaggedCount,
    topK: explainer.k,
    background: explainer.background === null ? null : { source: explainer.background.source, rows: explainer.background.data.rows },
    explained,
    items: 'rows',
  };
}

/**
 * The rows to explain: `opts.rows` in their order (checked against the row count), or every row by
 * descending score (ties: lower row first); then only flagged ones, then the first `opts.top`.
 */
function selectedRows(opts: ExplainOptions, scores: Float32Array, threshold: number): readonly number[] {
  const rows = scores.length;
  let list: number[];
  if (opts.rows !== undefined) {
    for (const r of opts.rows) {
      if (!Number.isInteger(r) || r < 0 || r >= rows) throw new InvalidOptionError(`explain: rows must be integers in [0, ${rows - 1}], got ${r}`, 'rows');
    }
    list = [...opts.rows];
  } else {
    list = Array.from({ length: rows }, (_, r) => r).sort((a, b) => scores[b]! - scores[a]! || a - b);
  }
  if (opts.onlyFlagged === true) list = list.filter((r) => scores[r]! > threshold);
  return opts.top === undefined ? list : list.slice(0, opts.top);
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

function readRows(path: string, schema: FeatureSchema): { data: Float32Array; rows: number; cols: number; source: string } {
  const file = openDataFile(path, { option: '--data' });
  try {
    checkWidth(file, schema);
    const data = new Float32Array(file.rows * file.cols);
    file.reader.readRows(0, file.rows, data);
    checkRows(data, { count: file.rows, firstRow: 0, cols: file.cols, active: schema.activeFeatures, source: file.source });
    return { data, rows: file.rows, cols: file.cols, source: file.source };
  } finally {
    file.reader.close();
  }
}

/** The first `count` background rows in model-input units, from --background or the drift reference. */
function loadBackground(opts: RowExplainerOptions, detector: KnownDetector, cols: number, count: number): { source: string; data: { data: Float32Array; rows: number } } {
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
