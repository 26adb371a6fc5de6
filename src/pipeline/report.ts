/**
 * `dadm report`: gathers what the other steps measure — training loss (metrics.json), scores and
 * their quality against labels, drift of a batch, explanations of the top flagged rows, int8 vs float
 * scores — into a ReportData by calling those steps, renders it with src/report and writes one HTML
 * file. See docs/report.md.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FormatError, InvalidOptionError } from '../errors.js';
import { limitsOf, type Limits } from '../limits.js';
import { outputPathError, readInputText, writeFileAtomic } from '../io/index.js';
import { METADATA_KEYS } from '../onnx/index.js';
import { compareScores } from '../quant/index.js';
import { histogramOf, renderReport, scatterSample, type ReportData, type ReportDistribution, type ReportDrift, type ReportExplanations, type ReportLabels, type ReportModel, type ReportQuantization, type ReportScores, type ReportTraining } from '../report/index.js';
import { precisionRecallCurve, quantile, rocAuc, rocCurve, spearman } from '../stats/index.js';
import type { DadmConfig, ExplainMethod } from '../config/index.js';
import { CHUNK_ROWS, openDataFile, refuseStream } from '../data/index.js';
import { CHECKPOINT_CHECKSUM_KEY, isOnnxPath, loadOnnxDetector, readCheckpoint, readCheckpointFile } from '../models/index.js';
import { readOnnxFile } from '../runtime/index.js';
import type { ProgressCallback } from '../progress.js';
import { drift, type DriftResult } from './drift/drift.js';
import { readDriftReference } from './drift/reference-file.js';
import { explain } from './explain.js';
import { inspectModel } from './inspect.js';
import { refuseSameFile } from './same-file.js';
import { readLabels, score, type ScoreResult } from './score.js';

/** Options of {@link report}. */
export interface ReportOptions {
  /** model.safetensors or model.onnx (float or int8). */
  model: string;
  /** Rows to score, .npy `[rows, schema width]` in training-file units. */
  data: string;
  /** 0/1 labels of `data`: adds ROC and precision–recall curves. */
  labels?: string;
  /** drift_reference.npz and a current batch .npy, given together: adds the drift section. */
  reference?: string;
  current?: string;
  /** metrics.json of the training run; default: metrics.json next to the model, when it is the model's. */
  metrics?: string;
  /** An int8 model.onnx quantized from `model`: adds float vs int8 scores. */
  quantized?: string;
  /** Top flagged rows to explain (default 10; 0 leaves the section out). */
  explainRows?: number;
  /** Default: the model's config (`explain.method`). */
  explainMethod?: ExplainMethod;
  /** Features listed per explained row (default 3, at most the model's features). */
  topK?: number;
  /** Drift levels come from its `drift` section; default the built-in defaults (as `dadm drift`). */
  config?: DadmConfig;
  /** Where to write the HTML (atomically); without it the HTML is only returned. */
  output?: string;
  title?: string;
  /** e.g. `dadm 0.1.0`. */
  generator?: string;
  /** ISO-8601 time shown in the footer; default now; null for a reproducible file. */
  generatedAt?: string | null;
  onProgress?: ProgressCallback;
}

/** What {@link report} produced. */
export interface ReportResult {
  html: string;
  output: string | null;
  bytes: number;
  /** Sections present besides the scores. */
  sections: string[];
  data: ReportData;
}

/** Most drifted features whose distributions are drawn; rows of the current batch read for them. */
const DISTRIBUTIONS = 4;
const DISTRIBUTION_ROWS = 200_000;
/** metrics.json holds a line per epoch: 16 MiB is tens of thousands of epochs. */
const MAX_METRICS_BYTES = 16 * 1024 * 1024;
/** Points of the float vs int8 chart. */
const QUANT_POINTS = 2000;

/**
 * Builds the report data (see {@link report}) without rendering it.
 * @throws InvalidOptionError for `reference` without `current` (or the reverse), a bad `explainRows`,
 *   a `quantized` model that is not quantized, or `metrics` from another training run;
 *   FormatError for a metrics.json that is not dadm's; as score, drift and explain for their files
 */
export function buildReportData(opts: ReportOptions): ReportData {
  if ((opts.reference === undefined) !== (opts.current === undefined)) {
    const given = opts.reference === undefined ? 'current' : 'reference';
    throw new InvalidOptionError(`report: reference and current must be given together, got only ${given}`, given);
  }
  // Each section reads the rows again (scores, explanations, int8 scores, distributions).
  refuseStream(opts.data, { option: '--data', why: 'report reads it once per section' });
  if (opts.current !== undefined) refuseStream(opts.current, { option: '--current', why: 'report reads it for drift and again for its distributions' });
  const explainRows = opts.explainRows ?? 10;
  if (!Number.isSafeInteger(explainRows) || explainRows < 0) throw new InvalidOptionError(`report: explainRows must be an integer >= 0, got ${explainRows}`, 'explainRows');
  const limits = opts.config?.limits;
  const { model, trainingId } = describeModel(opts.model, limits);
  const scored = score({ model: opts.model, data: opts.data, ...(opts.labels === undefined ? {} : { labels: opts.labels }), ...progress(opts), ...limitsOf({ limits }) });
  const labels = opts.labels === undefined ? null : readLabels(opts.labels, scored.rows, limits);
  const metricsPath = opts.metrics ?? join(dirname(opts.model), 'metrics.json');
  const training = opts.metrics !== undefined || existsSync(metricsPath) ? readTraining(metricsPath, { threshold: model.threshold, trainingId }, opts.metrics !== undefined) : null;
  const inputs: [string, string][] = [['data', opts.data]];
  if (opts.labels !== undefined) inputs.push(['labels', opts.labels]);
  if (training !== null) inputs.push(['metrics', metricsPath]);
  if (opts.reference !== undefined) inputs.push(['reference', opts.reference], ['current', opts.current!]);
  if (opts.quantized !== undefined) inputs.push(['int8 model', opts.quantized]);
  return {
    title: opts.title ?? `Model report: ${basename(opts.model)}`,
    generator: opts.generator ?? 'dadm',
    generatedAt: opts.generatedAt === undefined ? new Date().toISOString() : opts.generatedAt,
    model,
    inputs,
    training,
    scores: scoreSection(scored, labels),
    labels: labels === null ? null : labelSection(scored, labels),
    drift: opts.reference === undefined ? null : driftSection(opts, model),
    explanations: explainRows === 0 || scored.flagged === 0 ? null : explanationSection(opts, scored, explainRows, model.features),
    quantization: opts.quantized === undefined ? null : quantizationSection(opts, scored, labels),
  };
}

/**
 * Writes one self-contained HTML report about a model on a data file (docs/report.md): the sections
 * whose inputs are given, each drawn from the same functions as `dadm score`, `drift` and `explain`.
 * @throws UsageError when `output` names one of the inputs
 * @throws InvalidOptionError naming `output` when its folder is missing or not writable (checked
 *   before any work) or the write fails; see {@link buildReportData}
 */
export function report(opts: ReportOptions): ReportResult {
  if (opts.output !== undefined) {
    const inputs = (['model', 'data', 'labels', 'reference', 'current', 'metrics', 'quantized'] as const).map((option) => (opts[option] === undefined ? undefined : { option, path: opts[option]! }));
    refuseSameFile('report', [{ option: 'output', path: opts.output }], inputs);
    // Before the work, not after: a missing or read-only folder fails at once.
    try {
      accessSync(dirname(opts.output), constants.W_OK);
    } catch (err) {
      throw outputPathError(opts.output, err);
    }
  }
  const data = buildReportData(opts);
  const html = renderReport(data);
  const bytes = new TextEncoder().encode(html);
  if (opts.output !== undefined) writeFileAtomic(opts.output, bytes);
  const sections = (['training', 'labels', 'drift', 'explanations', 'quantization'] as const).filter((k) => data[k] !== null);
  return { html, output: opts.output ?? null, bytes: bytes.length, sections, data };
}

function progress(opts: ReportOptions): { onProgress?: ProgressCallback } {
  return opts.onProgress === undefined ? {} : { onProgress: opts.onProgress };
}

/** The model section, and the checkpoint's training id (`checkpoint_sha256`; null for ONNX and older checkpoints). */
function describeModel(path: string, limits: Partial<Limits> | undefined): { model: ReportModel; trainingId: string | null } {
  if (!isOnnxPath(path)) {
    const c = readCheckpoint(path, readCheckpointFile(path, '--model', limits), limits);
    return {
      model: { path, kind: c.modelType, format: 'safetensors checkpoint', threshold: c.threshold, thresholdMethod: c.thresholdMethod, schema: c.schema.name, features: c.schema.activeFeatures },
      trainingId: c.metadata[CHECKPOINT_CHECKSUM_KEY] ?? null,
    };
  }
  const d = loadOnnxDetector(path, readOnnxFile(path, '--model', limits), limits);
  const info = inspectModel(path, limits);
  const model: ReportModel = {
    path,
    kind: d.modelType ?? 'unknown',
    format: info.quantized ? 'ONNX, int8' : 'ONNX, float',
    threshold: d.threshold ?? Number.NaN,
    thresholdMethod: info.metadata[METADATA_KEYS.thresholdMethod] ?? null,
    schema: d.schema.name,
    features: d.schema.activeFeatures,
  };
  return { model, trainingId: null };
}

/**
 * Loss by epoch from metrics.json; null when no epoch has a loss (an isolation forest). A file next to
 * the model that belongs to another run (another threshold) is skipped; one given explicitly is refused.
 */
function readTraining(path: string, run: { threshold: number; trainingId: string | null }, explicit: boolean): ReportTraining | null {
  const { threshold } = run;
  const text = readInputText(path, { what: 'metrics file', sizeLimit: null, maxBytes: MAX_METRICS_BYTES, ...(explicit ? { option: '--metrics' } : {}) });
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new FormatError(`${path}: metrics must be JSON written by dadm train, got ${err.message}`, path);
  }
  if (doc === null || typeof doc !== 'object' || doc.format !== 'dadm-metrics' || !Array.isArray(doc.epochs)) {
    throw new FormatError(`${path}: metrics must have format "dadm-metrics" and a list of epochs, got format ${JSON.stringify(doc?.format ?? null)}`, path);
  }
  const epochs = doc.epochs as Record<string, unknown>[];
  const stamped = typeof doc.training_id === 'string' ? doc.training_id : null;
  if (stamped !== null && run.trainingId !== null && stamped !== run.trainingId) {
    if (!explicit) return null;
    throw new InvalidOptionError(`report: metrics ${path} must come from the model's training run (training id ${run.trainingId.slice(0, 12)}), got training id ${stamped.slice(0, 12)}`, 'metrics');
  }
  if (doc.threshold !== threshold) {
    if (!explicit) return null;
    throw new InvalidOptionError(`report: metrics ${path} must come from the model's training run (threshold ${threshold}), got threshold ${String(doc.threshold)}`, 'metrics');
  }
  const loss = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const rows = epochs.map((e) => ({ epoch: Number(e.epoch), trainLoss: loss(e.train_loss), validationLoss: loss(e.validation_loss) }));
  if (!rows.some((e) => e.trainLoss !== null || e.validationLoss !== null)) return null;
  return {
    source: path,
    epochs: rows,
    bestEpoch: Number(doc.best_epoch),
    stoppedEarly: doc.stopped_early === true,
    trainingRows: Number(doc.training_rows),
    validationRows: Number(doc.validation_rows),
  };
}

function scoreSection(s: ScoreResult, labels: Uint8Array | null): ReportScores {
  const histogram = histogramOf(s.scores);
  let byLabel: ReportScores['byLabel'] = null;
  if (labels !== null) {
    const part = (label: number): number[] => histogramOf(s.scores.filter((_, i) => labels[i] === label), { edges: histogram.edges, scale: histogram.scale }).counts as number[];
    byLabel = { normal: part(0), anomalous: part(1) };
  }
  return { rows: s.rows, flagged: s.flagged, threshold: s.threshold, histogram, byLabel };
}

function labelSection(s: ScoreResult, labels: Uint8Array): ReportLabels {
  const m = s.labels!;
  const both = m.positives > 0 && m.positives < s.rows;
  const roc = both ? rocCurve(s.scores, labels) : null;
  const pr = m.positives > 0 ? precisionRecallCurve(s.scores, labels) : null;
  return {
    positives: m.positives,
    negatives: s.rows - m.positives,
    rocAuc: m.rocAuc,
    averagePrecision: m.averagePrecision,
    atThreshold: { precision: m.precision, recall: m.recall, f1: m.f1, tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn },
    roc: roc === null ? null : { fpr: Array.from(roc.fpr), tpr: Array.from(roc.tpr) },
    precisionRecall: pr === null ? null : { recall: Array.from(pr.recall), precision: Array.from(pr.precision) },
  };
}

function driftSection(opts: ReportOptions, model: ReportModel): ReportDrift {
  // drift() scores the batch with a checkpoint only: an ONNX model gets the feature drift alone.
  const withModel = isOnnxPath(opts.model) ? {} : { model: opts.model };
  const r = drift({ reference: opts.reference!, current: opts.current!, ...withModel, ...(opts.config === undefined ? {} : { config: opts.config }), ...progress(opts) });
  const row = (name: string, v: Pick<DriftResult['features'][number], 'psi' | 'wasserstein' | 'ks' | 'status'>): ReportDrift['features'][number] => ({
    name,
    psi: v.psi,
    wasserstein: v.wasserstein,
    ksStatistic: v.ks.statistic,
    status: v.status,
  });
  const t = r.thresholds;
  return {
    reference: r.reference,
    current: r.current,
    rows: r.rows,
    validRows: r.validRows,
    verdict: r.verdict,
    levels: { psi: t.psi, wasserstein: t.wasserstein, ksStatistic: t.ksStatistic },
    features: r.features.map((f) => row(f.name, f)),
    score: r.score === null ? null : row(`anomaly score (${model.kind})`, r.score),
    distributions: distributions(r, opts),
    reasons: r.reasons,
    warnings: r.warnings,
  };
}

const SEVERITY = { retrain: 0, warn: 1, ok: 2, 'insufficient-data': 3 } as const;

/**
 * Reference vs current histograms of the most drifted features, in training-file units: the
 * reference's row sample (unstandardized) against every row of the batch, or an even stride of
 * {@link DISTRIBUTION_ROWS} rows of a larger one. Bins span the 0.5–99.5% quantiles of both.
 */
function distributions(r: DriftResult, opts: ReportOptions): ReportDistribution[] {
  const referencePath = opts.reference!;
  const currentPath = opts.current!;
  const ref = readDriftReference(referencePath, { option: '--reference', ...limitsOf({ limits: opts.config?.limits }) });
  const worst = r.features
    .map((f, j) => ({ f, j }))
    .sort((a, b) => SEVERITY[a.f.status] - SEVERITY[b.f.status] || b.f.psi - a.f.psi)
    .slice(0, DISTRIBUTIONS);
  const current = readColumns(currentPath, worst.map((w) => w.f.index));
  return worst.map(({ f, j }, k) => {
    const reference = new Float32Array(ref.sampleRows);
    for (let i = 0; i < ref.sampleRows; i++) {
      const v = ref.sample[i * ref.active + j]!;
      reference[i] = ref.scaler === null ? v : v * ref.scaler.scale[j]! + ref.scaler.mean[j]!;
    }
    const cur = current[k]!;
    const extent: [number, number] = [Math.min(quantile(reference, 0.005), quantile(cur, 0.005)), Math.max(quantile(reference, 0.995), quantile(cur, 0.995))];
    const refHist = histogramOf(reference, { extent, bins: 30, scale: 'linear' });
    const curHist = histogramOf(cur, { edges: refHist.edges });
    const share = (counts: readonly number[], n: number): number[] => counts.map((c) => c / n);
    return { name: f.name, status: f.status, edges: refHist.edges, reference: share(refHist.counts, reference.length), current: share(curHist.counts, cur.length) };
  });
}

/** Finite values of `columns` of a data file, from every `stride`-th row (bounded memory). */
function readColumns(path: string, columns: readonly number[]): Float32Array[] {
  const file = openDataFile(path, { option: '--current' });
  try {
    const stride = Math.ceil(file.rows / DISTRIBUTION_ROWS);
    const out = columns.map(() => new Float32Array(Math.ceil(file.rows / stride)));
    const filled = columns.map(() => 0);
    const chunk = new Float32Array(Math.min(CHUNK_ROWS, file.rows) * file.cols);
    for (let start = 0; start < file.rows; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, file.rows - start);
      file.reader.readRows(start, count, chunk);
      for (let i = (stride - (start % stride)) % stride; i < count; i += stride) {
        columns.forEach((c, k) => {
          const v = chunk[i * file.cols + c]!;
          if (Number.isFinite(v)) out[k]![filled[k]!++] = v;
        });
      }
    }
    return out.map((a, k) => a.subarray(0, filled[k]!));
  } finally {
    file.reader.close();
  }
}

function explanationSection(opts: ReportOptions, s: ScoreResult, count: number, features: number): ReportExplanations {
  const flagged: number[] = [];
  for (let i = 0; i < s.rows; i++) if (s.scores[i]! > s.threshold) flagged.push(i);
  flagged.sort((a, b) => s.scores[b]! - s.scores[a]! || a - b);
  const r = explain({ model: opts.model, data: opts.data, rows: flagged.slice(0, count), topK: opts.topK ?? Math.min(3, features), ...(opts.explainMethod === undefined ? {} : { method: opts.explainMethod }), ...progress(opts), ...limitsOf({ limits: opts.config?.limits }) });
  return {
    method: r.method,
    unit: r.method === 'reconstruction' ? 'each feature’s share of the squared reconstruction error' : 'Shapley values, in score units',
    flagged: r.flagged,
    rows: r.explained.map((e) => ({ row: e.row, score: e.score, top: e.top.map((f) => ({ name: f.name, contribution: f.contribution, value: f.value })) })),
  };
}

function quantizationSection(opts: ReportOptions, float: ScoreResult, labels: Uint8Array | null): ReportQuantization {
  const path = opts.quantized!;
  const limits = opts.config?.limits;
  const info = inspectModel(path, limits);
  if (!info.quantized) throw new InvalidOptionError(`report: quantized model ${path} must hold int8 nodes (DynamicQuantizeLinear, MatMulInteger), got a float model`, 'quantized');
  if (isOnnxPath(opts.model) && inspectModel(opts.model, limits).quantized) throw new InvalidOptionError(`report: model ${opts.model} must be the float model when quantized is given, got an int8 model`, 'model');
  const q = score({ model: path, data: opts.data, ...progress(opts), ...limitsOf({ limits }) }).scores;
  const f = float.scores;
  const cmp = compareScores(f, q, float.threshold);
  const both = float.labels !== null && float.labels.rocAuc !== null;
  return {
    floatModel: opts.model,
    quantizedModel: path,
    rows: f.length,
    spearman: f.length >= 2 ? spearman(f, q) : Number.NaN,
    maxAbsDiff: cmp.maxAbsDiff,
    flipFraction: cmp.flipFraction,
    threshold: float.threshold,
    floatRocAuc: both ? float.labels!.rocAuc : null,
    quantizedRocAuc: both && labels !== null ? rocAuc(q, labels) : null,
    floatBytes: isOnnxPath(opts.model) ? statSync(opts.model).size : null,
    quantizedBytes: info.bytes,
    points: scatterSample(f, q, float.threshold, QUANT_POINTS),
  };
}
