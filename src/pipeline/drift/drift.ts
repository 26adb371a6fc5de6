/**
 * `dadm drift`: how far a new batch of rows has moved from the training data, per active feature
 * (PSI, Wasserstein-1, two-sample KS) and for the anomaly score, with an ok/warn/retrain verdict.
 * Decisions and their reasons are in docs/drift.md ("## dadm drift").
 */
import { defaultConfig, type DadmConfig, type ModelKind } from '../../config/index.js';
import { openDataFile } from '../../data/index.js';
import { DataError, InvalidOptionError, UsageError } from '../../errors.js';
import type { Limits } from '../../limits.js';
import { loadKnownDetector, sameTraining } from '../../models/index.js';
import type { ProgressCallback } from '../../progress.js';
import { ks2samp, psiFromProportions, sortAscending, wasserstein1Sorted, type DriftThresholds } from '../../stats/index.js';
import { scoreDataFile } from '../score.js';
import { scanCurrentBatch, type BatchScan, type BatchScorer, type InvalidValue } from './current-batch.js';
import { readDriftReference, type DriftReference } from './reference-file.js';
import { driftNoise, driftReason, driftStatus, effectiveThresholds, insufficientReason, overallVerdict, plural, raisedNoiseLevels, type DriftNoise, type DriftStatus } from './status.js';

/** Default reservoir size of the current batch for Wasserstein and KS (rows). */
export const DRIFT_CURRENT_SAMPLE_ROWS = 100_000;
/** Default largest share of excluded (NaN/Inf/bad padding) rows before the batch is refused. */
export const DRIFT_MAX_INVALID_FRACTION = 0.01;

/** Options of {@link drift}. */
export interface DriftOptions {
  /** drift_reference.npz written by `train`. */
  reference: string;
  /** Current batch .npy `[rows, cols]` in the units of the training file. */
  current: string;
  /** model.safetensors trained with this reference, or a .onnx exported or quantized from it: adds the anomaly-score drift. */
  model?: string;
  /**
   * A sequence model's host ids .npy `[rows]` of the batch (integers; a host's rows in time order):
   * each row is scored by its host's window ending at it (docs/transformer.md). Only with such a model.
   */
  hosts?: string;
  /** Thresholds come from `config.drift`; default {@link defaultConfig}. */
  config?: DadmConfig;
  /** Reservoir size of the current batch for W1/KS. Default {@link DRIFT_CURRENT_SAMPLE_ROWS}. */
  sampleRows?: number;
  /** Refuse the batch when more than this share of rows is excluded. Default {@link DRIFT_MAX_INVALID_FRACTION}. */
  maxInvalidFraction?: number;
  /** Seed of the current-batch reservoir. Default 0. */
  seed?: number;
  onProgress?: ProgressCallback;
}

/** Drift of one active feature (in model-input units). */
export interface FeatureDriftRow {
  name: string;
  /** Column in the data rows. */
  index: number;
  psi: number;
  wasserstein: number;
  ks: { statistic: number; pvalue: number };
  /** No-drift 99.9% points of the statistics at these sample sizes: the levels are raised to them. */
  noise: DriftNoise;
  status: DriftStatus;
}

/** Drift of the anomaly score (status from PSI and KS only: W1 is in score units). */
export interface ScoreDriftRow {
  psi: number;
  wasserstein: number;
  ks: { statistic: number; pvalue: number };
  /** As for features; `wasserstein` is null (W1 does not decide the score's status). */
  noise: DriftNoise;
  status: DriftStatus;
  modelType: ModelKind;
  threshold: number;
  /** Share of kept current rows scoring above the threshold. */
  flaggedFraction: number;
}

/** What {@link drift} measured. */
export interface DriftResult {
  reference: string;
  current: string;
  model: string | null;
  rows: number;
  /** Rows used (finite, zero padding). */
  validRows: number;
  /** Rows excluded for a NaN/Inf value or non-zero padding. */
  invalidRows: number;
  firstInvalid: InvalidValue | null;
  /** Current rows in the W1/KS sample (all kept rows when they fit). */
  sampleRows: number;
  referenceRows: number;
  referenceSampleRows: number;
  /** Whether the reference deciles are exact over all training rows. */
  exactReference: boolean;
  features: FeatureDriftRow[];
  score: ScoreDriftRow | null;
  /**
   * The worst level over every feature and the score; 'insufficient-data' when none of them had
   * enough rows to be judged (docs/drift.md "Small samples").
   */
  verdict: DriftStatus;
  /** One line per feature/score that is not 'ok', naming the metrics that crossed a level (or why it got none). */
  reasons: string[];
  warnings: string[];
  /** The configured levels (`noise` of each row says how far they were raised). */
  thresholds: DriftThresholds;
}

/**
 * Measures drift of the current batch against the reference (one streaming pass over the batch).
 * PSI uses every kept row; Wasserstein and KS use a seeded reservoir of at most `sampleRows` kept
 * rows against the reference's row sample.
 * @throws FormatError for a reference that is not a dadm drift reference or a batch that is not a
 *   2-D .npy (naming the file); DataError for an empty batch, a width other than the reference's
 *   (naming both files), or more than `maxInvalidFraction` rows with NaN/Inf/non-zero padding
 *   (naming the first such row and column); InvalidOptionError for a model of another schema or
 *   not trained with this reference, or a bad option
 */
export function drift(opts: DriftOptions): DriftResult {
  const config = opts.config ?? defaultConfig();
  const thresholds = thresholdsOf(config);
  const sampleRows = opts.sampleRows ?? DRIFT_CURRENT_SAMPLE_ROWS;
  const maxInvalid = opts.maxInvalidFraction ?? DRIFT_MAX_INVALID_FRACTION;
  if (!Number.isSafeInteger(sampleRows) || sampleRows < 1) throw new InvalidOptionError(`drift: sampleRows must be an integer >= 1, got ${sampleRows}`, 'sampleRows');
  if (!(maxInvalid >= 0 && maxInvalid < 1)) throw new InvalidOptionError(`drift: maxInvalidFraction must be a number in [0, 1), got ${maxInvalid}`, 'maxInvalidFraction');
  const ref = readDriftReference(opts.reference, { option: '--reference', limits: config.limits });
  if (opts.hosts !== undefined && opts.model === undefined) {
    throw new UsageError(`drift: --hosts must be given only with --model of a sequence model, got --hosts ${opts.hosts} without --model`);
  }
  const model = opts.model === undefined ? null : modelScorer(opts.model, ref, { current: opts.current, hosts: opts.hosts, limits: config.limits });
  const file = openDataFile(opts.current, { option: '--current' });
  let scan: BatchScan;
  try {
    if (file.cols !== ref.cols) {
      const layout = ref.cols > ref.active ? `${ref.active} features + ${ref.cols - ref.active} zero padding` : `${ref.active} features`;
      throw new DataError(`${file.source}: width must be ${ref.cols} like the reference ${ref.path} (${layout}), got ${file.cols}`, file.source);
    }
    scan = scanCurrentBatch({
      file,
      reference: ref,
      sampleRows,
      seed: opts.seed ?? 0,
      scorer: model?.scorer ?? null,
      onRows: (done) => opts.onProgress?.({ kind: 'rows', phase: 'check', done, total: file.rows }),
    });
  } finally {
    file.reader.close();
  }
  checkInvalid(opts.current, scan, maxInvalid);
  const m: Measured = { ref, scan, t: thresholds };
  const features = ref.featureNames.map((name, j) => featureDrift(m, j, name));
  const score = model === null ? null : scoreDrift(m, model);
  const verdict = overallVerdict([...features.map((f) => f.status), ...(score ? [score.status] : [])]);
  return {
    reference: opts.reference,
    current: opts.current,
    model: opts.model ?? null,
    rows: scan.rows,
    validRows: scan.validRows,
    invalidRows: scan.invalidRows,
    firstInvalid: scan.firstInvalid,
    sampleRows: scan.sampleRows,
    referenceRows: ref.rows,
    referenceSampleRows: ref.sampleRows,
    exactReference: ref.exact,
    features,
    score,
    verdict,
    reasons: reasonsOf(m, features, score),
    warnings: warningsOf(m, features, score),
    thresholds,
  };
}

/** config.drift as the thresholds of driftVerdict. */
export function thresholdsOf(config: DadmConfig): DriftThresholds {
  const d = config.drift;
  return {
    psi: { warn: d.psiWarn, retrain: d.psiRetrain },
    wasserstein: { warn: d.wassersteinWarn, retrain: d.wassersteinRetrain },
    ksStatistic: { warn: d.ksWarn, retrain: d.ksRetrain },
  };
}

interface ModelParts {
  scorer: BatchScorer;
  modelType: ModelKind;
}

/**
 * Loads the model (a checkpoint, or a .onnx exported or quantized from it) and checks that it was
 * trained together with the reference. A sequence model scores the whole batch first (each row by its
 * host's window; the batch must then be all finite).
 */
function modelScorer(path: string, ref: DriftReference, batch: { current: string; hosts: string | undefined; limits: Partial<Limits> }): ModelParts {
  const checkpoint = loadKnownDetector(path, 'drift-check scores', { option: '--model', limits: batch.limits });
  if (checkpoint.schema.hash !== ref.schemaHash) {
    throw new InvalidOptionError(
      `drift: --model ${path} schema must be the reference's (hash ${ref.schemaHash.slice(0, 12)} in ${ref.path}), got ${checkpoint.schema.name} (hash ${checkpoint.schema.hash.slice(0, 12)})`,
      'model',
    );
  }
  // A checkpoint carries its training id; an ONNX file does not (sameTraining passes it) and is
  // matched by the threshold below.
  if (!sameTraining(checkpoint, ref.trainingId)) {
    throw new InvalidOptionError(
      `drift: --model ${path} must be the model trained with ${ref.path} (training id ${ref.trainingId!.slice(0, 12)}), got training id ${checkpoint.metadata.checkpoint_sha256!.slice(0, 12)} (files of two train runs)`,
      'model',
    );
  }
  // References written before the training id: the threshold is stored as the same float64 in both
  // files by the same train run (export-onnx and quantize copy it into dadm.threshold as its shortest
  // round-trip decimal).
  if (checkpoint.threshold !== ref.score.threshold) {
    throw new InvalidOptionError(
      `drift: --model ${path} must be the model trained with ${ref.path} (threshold ${ref.score.threshold}), got threshold ${checkpoint.threshold}`,
      'model',
    );
  }
  const { threshold, modelType } = checkpoint;
  if (checkpoint.input.form === 'rows' && batch.hosts === undefined) {
    return { scorer: { kernel: checkpoint.kernel, standardizer: checkpoint.standardizer, threshold }, modelType };
  }
  // scoreDataFile refuses --hosts for a row model and a sequence model's rows without --hosts.
  const rowScores = scoreDataFile(checkpoint, batch.current, { hosts: batch.hosts, command: 'drift', options: { data: '--current', hosts: '--hosts' } });
  if (rowScores.items !== 'rows') {
    throw new UsageError(`drift: --current must be rows [rows, features] with --hosts for a sequence model's score drift, got windows of ${checkpoint.input.steps} steps in ${batch.current}`);
  }
  return { scorer: { rowScores: rowScores.scores, threshold }, modelType };
}

function checkInvalid(source: string, scan: BatchScan, maxInvalid: number): void {
  const share = scan.invalidRows / scan.rows;
  if (scan.validRows > 0 && share <= maxInvalid) return;
  const f = scan.firstInvalid!;
  const first = `first: row ${f.row}, column ${f.column} = ${f.value} (${f.reason})`;
  throw new DataError(
    `${source}: rows with NaN/Inf or non-zero padding must be at most ${100 * maxInvalid}% of the batch, got ${scan.invalidRows} of ${scan.rows} (${(100 * share).toPrecision(3)}%); ${first}`,
    source,
    { row: f.row, column: f.column },
  );
}

/** Column `c` of `sample [rows, width]`, sorted ascending. */
function sortedColumn(sample: Float32Array, rows: number, width: number, c: number): Float32Array {
  const col = new Float32Array(rows);
  for (let i = 0; i < rows; i++) col[i] = sample[i * width + c]!;
  return sortAscending(col);
}

/** Floored-by-psiFromProportions proportions of `counts[offset .. offset+bins-1]`. */
function proportionsOf(counts: Float64Array, offset: number, bins: number, total: number): Float64Array {
  const p = new Float64Array(bins);
  for (let k = 0; k < bins; k++) p[k] = counts[offset + k]! / total;
  return p;
}

/** What every drift row is computed from: the reference, the scanned batch and the configured levels. */
interface Measured {
  ref: DriftReference;
  scan: BatchScan;
  t: DriftThresholds;
}

function featureDrift({ ref, scan, t }: Measured, j: number, name: string): FeatureDriftRow {
  const { bins } = ref;
  const { psi } = psiFromProportions(ref.proportions.subarray(j * bins, (j + 1) * bins), proportionsOf(scan.counts, j * bins, bins, scan.validRows), { floor: ref.floor });
  const refCol = sortedColumn(ref.sample, ref.sampleRows, ref.active, j);
  const curCol = sortedColumn(scan.sample, scan.sampleRows, scan.width, j);
  const ks = ks2samp(refCol, curCol);
  const values = { psi, wasserstein: wasserstein1Sorted(refCol, curCol), ks: { statistic: ks.statistic, pvalue: ks.pvalue } };
  const noise = driftNoise({
    psi: { reference: ref.rows, current: scan.validRows, bins },
    sample: { reference: ref.sampleRows, current: scan.sampleRows },
    sortedReference: refCol,
  });
  return { name, index: j, ...values, noise, status: driftStatus(values, t, noise) };
}

function scoreDrift({ ref, scan, t }: Measured, model: ModelParts): ScoreDriftRow {
  const { bins } = ref;
  const { psi } = psiFromProportions(ref.score.proportions, proportionsOf(scan.score!.counts, 0, bins, scan.validRows), { floor: ref.floor });
  const cur = sortedColumn(scan.sample, scan.sampleRows, scan.width, ref.active);
  const ks = ks2samp(ref.score.sample, cur);
  const values = { psi, ks: { statistic: ks.statistic, pvalue: ks.pvalue } };
  // The score sample is a quantile sketch of all score rows (within 1/(2k) in KS): its noise is theirs.
  const noise = driftNoise({
    psi: { reference: ref.score.rows, current: scan.validRows, bins },
    sample: { reference: ref.score.rows, current: scan.sampleRows },
    sortedReference: null,
  });
  return {
    ...values,
    wasserstein: wasserstein1Sorted(ref.score.sample, cur),
    noise,
    status: driftStatus(values, t, noise),
    modelType: model.modelType,
    threshold: model.scorer.threshold,
    flaggedFraction: scan.score!.flagged / scan.validRows,
  };
}

/** Reasons of the non-ok rows, at the levels they were judged by; one line for all features without a verdict. */
function reasonsOf({ ref, scan, t }: Measured, features: FeatureDriftRow[], score: ScoreDriftRow | null): string[] {
  const reasons: string[] = [];
  const lacking = features.filter((f) => f.status === 'insufficient-data');
  if (lacking.length > 0) {
    const what = lacking.length === features.length ? 'features' : lacking.map((f) => f.name).join(', ');
    reasons.push(insufficientReason(what, `${plural(scan.validRows, 'row')} against ${ref.sampleRows} reference rows`, t, lacking[0]!.noise));
  }
  for (const f of features) if (f.status === 'warn' || f.status === 'retrain') reasons.push(driftReason(f.name, f, f.status, effectiveThresholds(t, f.noise)));
  const s = score?.status;
  if (s === 'insufficient-data') reasons.push(insufficientReason('anomaly score', `${plural(scan.validRows, 'row')} against ${ref.score.rows} reference scores`, t, score!.noise));
  if (s === 'warn' || s === 'retrain') reasons.push(driftReason('anomaly score', { psi: score!.psi, ks: score!.ks }, s, effectiveThresholds(t, score!.noise)));
  return reasons;
}

function warningsOf({ ref, scan, t }: Measured, features: FeatureDriftRow[], score: ScoreDriftRow | null): string[] {
  const w: string[] = [];
  if (scan.invalidRows > 0) {
    w.push(`${scan.invalidRows} of ${scan.rows} rows excluded for NaN/Inf or non-zero padding (first: row ${scan.firstInvalid!.row}, column ${scan.firstInvalid!.column})`);
  }
  const judged = features.filter((f) => f.status !== 'insufficient-data');
  const raised = raisedNoiseLevels(judged.map((f) => f.noise), t);
  if (raised !== null) w.push(`${plural(scan.validRows, 'row')} against ${ref.sampleRows} reference rows: feature warn levels raised to the sampling noise (${raised}; docs/drift.md)`);
  const scoreRaised = score === null || score.status === 'insufficient-data' ? null : raisedNoiseLevels([score.noise], t);
  if (scoreRaised !== null) w.push(`${plural(scan.validRows, 'row')} against ${ref.score.rows} reference scores: score warn levels raised to the sampling noise (${scoreRaised}; docs/drift.md)`);
  if (!ref.exact) w.push(`reference deciles come from a ${ref.sampleRows}-row sample of ${ref.rows} training rows (proportions are exact)`);
  return w;
}
