/**
 * `dadm explain` for a sequence model: each explained item is a window (the window of a row's host
 * ending at it, or a window of a 3-D file). Per feature of the scored step: its share of the
 * prediction error (method reconstruction) or its Shapley value with the feature masked across the
 * whole window (method shap, exact up to `explain.max_exact_features`); per step: the score's drop
 * when that step is taken from the background windows. See docs/transformer.md "Explain".
 */
import { DataError, InvalidOptionError, UsageError } from '../errors.js';
import { shapleyValues, topK, type FeatureAttribution } from '../explain/index.js';
import { readNpyFile, shapeTuple } from '../io/index.js';
import type { KnownDetector, WindowExplainHooks } from '../models/index.js';
import { standardizeInPlace } from '../schema/index.js';
import type { ExplainOptions, ExplainResult, ExplainedFeature, ExplainedRow } from './explain.js';
import { scoreDataFile } from './score.js';

/**
 * Background windows a sequence model's Shapley values use at most: exact values over 12 features
 * score 4096 x B windows per explained window.
 */
export const MAX_BACKGROUND_WINDOWS = 16;

/** What the window explainer gets from explain(): the detector, its settings and the background rows. */
export interface WindowExplainSetup {
  detector: KnownDetector;
  method: 'reconstruction' | 'shap';
  k: number;
  maxExactFeatures: number;
  kernelSamples: number;
  /** Background rows `[rows, D]` (model-input units) when `--background` is not a 3-D window file. */
  backgroundRows: () => { source: string; data: Float32Array; rows: number };
  backgroundCount: number;
}

/**
 * Explains the windows of `opts.data` (rows + `opts.hosts`, or a 3-D window file).
 * @throws UsageError for an ONNX file of a sequence model (its explanations need the checkpoint);
 *   as scoreDataFile for the data and host files; DataError for an unusable background
 */
export function explainWindows(opts: ExplainOptions, s: WindowExplainSetup): ExplainResult {
  const { detector, method, k } = s;
  const hooks = detector.explain.window;
  if (hooks === undefined) {
    throw new UsageError(`explain: --model must be the checkpoint (model.safetensors) of a ${detector.modelType} model to explain its windows, got ${detector.format === 'onnx' ? 'an ONNX file' : 'a model without window attributions'} ${opts.model}`);
  }
  const T = detector.input.steps, D = detector.schema.dim, per = T * D;
  const kept = new Map<number, { window: Float32Array; score: number }>();
  const selected = opts.rows === undefined ? null : new Set(opts.rows);
  const scored = scoreDataFile(detector, opts.data, {
    hosts: opts.hosts,
    command: 'explain',
    onBatch: (windows, n, scores, items) => {
      for (let i = 0; i < n; i++) {
        const item = items[i]!;
        const keep = selected === null ? opts.onlyFlagged !== true || scores[i]! > detector.threshold : selected.has(item);
        if (keep) kept.set(item, { window: windows.slice(i * per, (i + 1) * per), score: scores[i]! });
      }
    },
  });
  const items = scored.scores.length;
  for (const r of opts.rows ?? []) {
    if (!Number.isInteger(r) || r < 0 || r >= items) throw new InvalidOptionError(`explain: rows must be integers in [0, ${items - 1}], got ${r}`, 'rows');
  }
  const background = backgroundWindows(opts, s, T);
  const order = opts.rows === undefined ? [...kept.keys()].sort((a, b) => a - b) : opts.rows.filter((r) => opts.onlyFlagged !== true || scored.scores[r]! > detector.threshold);
  const explained: ExplainedRow[] = [];
  for (const item of order) {
    const { window, score } = kept.get(item)!;
    const top = method === 'reconstruction' ? errorShares(hooks, window, s) : shapleyFeatures(hooks, window, background.data, s);
    const steps = Array.from(hooks.stepAttribution(window, background.data), (contribution, t) => ({ step: t - (T - 1), contribution }));
    explained.push({ row: item, score, flagged: score > detector.threshold, top: top.row, steps, ...top.extra });
    opts.onProgress?.({ kind: 'rows', phase: 'explain', done: explained.length, total: order.length });
  }
  let flagged = 0;
  for (let i = 0; i < items; i++) if (scored.scores[i]! > detector.threshold) flagged++;
  return {
    method,
    modelType: detector.modelType,
    threshold: detector.threshold,
    rows: items,
    flagged,
    topK: k,
    background: { source: background.source, rows: background.windows },
    explained,
    items: scored.items,
  };
}

type Attributed = { row: ExplainedFeature[]; extra: Partial<ExplainedRow> };

/** Method reconstruction: each active feature's share of the scored step's prediction error. */
function errorShares(hooks: WindowExplainHooks, window: Float32Array, s: WindowExplainSetup): Attributed {
  const { detector, k } = s;
  const terms = hooks.stepErrors(window);
  const predicted = hooks.predictLastStep(window);
  const active = detector.schema.activeFeatures, D = detector.schema.dim;
  let total = 0;
  for (let j = 0; j < active; j++) total += terms[j]!;
  const last = window.subarray(window.length - D);
  const attrs: (FeatureAttribution & { reconstructed: number })[] = [];
  for (let j = 0; j < active; j++) {
    attrs.push({ feature: j, name: detector.schema.featureNames[j]!, contribution: total > 0 ? terms[j]! / total : 0, observed: last[j]!, reconstructed: predicted[j]! });
  }
  const row = topK(attrs, k).map((a) => ({
    feature: a.feature,
    name: a.name,
    contribution: a.contribution,
    value: raw(a.observed, a.feature, s),
    reconstructed: raw(a.reconstructed, a.feature, s),
  }));
  return { row, extra: {} };
}

/** Method shap: Shapley values of the active features, each masked across the whole window. */
function shapleyFeatures(hooks: WindowExplainHooks, window: Float32Array, background: Float32Array, s: WindowExplainSetup): Attributed {
  const { detector, k } = s;
  const D = detector.schema.dim;
  const features = Array.from({ length: detector.schema.activeFeatures }, (_, j) => j);
  const fn = hooks.coalitionScore(window, background);
  const result = shapleyValues(fn, new Float32Array(D).fill(1), { data: new Float32Array(D), rows: 1 }, { features, maxExactFeatures: s.maxExactFeatures, kernelSamples: s.kernelSamples });
  const last = window.subarray(window.length - D);
  const attrs: FeatureAttribution[] = result.features.map((j, i) => ({ feature: j, name: detector.schema.featureNames[j]!, contribution: result.phi[i]!, observed: last[j]! }));
  const row = topK(attrs, k).map((a) => ({ feature: a.feature, name: a.name, contribution: a.contribution, value: raw(a.observed, a.feature, s) }));
  return { row, extra: { baseValue: result.baseValue, exact: result.exact, ...(result.samples !== undefined ? { samples: result.samples } : {}) } };
}

function raw(v: number, j: number, s: WindowExplainSetup): number {
  const st = s.detector.standardizer;
  return st === null ? v : v * st.scale[j]! + st.mean[j]!;
}

/**
 * Background windows `[B, T, D]` in model-input units, B <= {@link MAX_BACKGROUND_WINDOWS}: a 3-D
 * `--background` file's first windows, or else background rows each held steady over the T steps
 * (a host that does the same normal thing every interval).
 */
function backgroundWindows(opts: ExplainOptions, s: WindowExplainSetup, T: number): { source: string; data: Float32Array; windows: number } {
  const D = s.detector.schema.dim;
  const count = Math.min(s.backgroundCount, MAX_BACKGROUND_WINDOWS);
  if (opts.background !== undefined) {
    const arr = readNpyFile(opts.background, { what: 'background file', option: '--background' });
    if (arr.shape.length === 3) {
      if (arr.shape[1] !== T || arr.shape[2] !== D) {
        throw new DataError(`${opts.background}: background windows must be [windows, ${T}, ${D}] like the model's, got ${shapeTuple(arr.shape)}`, opts.background);
      }
      const n = Math.min(count, arr.shape[0]!);
      if (n === 0) throw new DataError(`${opts.background}: background windows must be at least 1, got 0`, opts.background);
      const data = Float32Array.from(arr.data.subarray(0, n * T * D) as ArrayLike<number>);
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v - v !== 0) throw new DataError(`${opts.background}: window ${Math.floor(i / (T * D))}, step ${Math.floor(i / D) % T}, column ${i % D} must be finite, got ${v}`, opts.background);
      }
      if (s.detector.standardizer !== null) standardizeInPlace(s.detector.standardizer, data, n * T);
      return { source: opts.background, data, windows: n };
    }
  }
  const rows = s.backgroundRows();
  const n = Math.min(count, rows.rows);
  const data = new Float32Array(n * T * D);
  for (let b = 0; b < n; b++) {
    // Evenly spaced rows of the background, each repeated over the window's steps.
    const src = rows.data.subarray(Math.floor(((b + 0.5) * rows.rows) / n) * D, Math.floor(((b + 0.5) * rows.rows) / n) * D + D);
    for (let t = 0; t < T; t++) data.set(src, (b * T + t) * D);
  }
  return { source: rows.source, data, windows: n };
}
