/**
 * ReportData: everything `renderReport` draws, as plain numbers and strings (JSON-serializable, no
 * typed arrays). The pipeline measures and bins; the report only lays out. A section whose field is
 * null is left out of the page. Any model kind that can fill these fields gets the full report.
 */

/** A drift verdict: 'insufficient-data' when there were too few rows to judge (docs/drift.md). */
export type ReportVerdict = 'ok' | 'warn' | 'retrain' | 'insufficient-data';

/** The whole report. */
export interface ReportData {
  /** Page title and heading. */
  title: string;
  /** Who wrote the report, e.g. `dadm 0.1.0`. */
  generator: string;
  /** When (ISO-8601), or null to keep the output reproducible. */
  generatedAt: string | null;
  model: ReportModel;
  /** Input files, shown as given: `[role, path]`, e.g. `['data', 'x.npy']`. */
  inputs: readonly (readonly [string, string])[];
  training: ReportTraining | null;
  scores: ReportScores;
  labels: ReportLabels | null;
  drift: ReportDrift | null;
  explanations: ReportExplanations | null;
  quantization: ReportQuantization | null;
}

/** The model the report is about. */
export interface ReportModel {
  path: string;
  /** `autoencoder`, `iforest`, or any future kind: shown as given. */
  kind: string;
  /** File format, e.g. `safetensors checkpoint` or `ONNX (int8)`. */
  format: string;
  /** Rows with `score > threshold` are flagged. */
  threshold: number;
  /** How the threshold was chosen (e.g. `validation-quantile`), or null when the file does not say. */
  thresholdMethod: string | null;
  /** Schema name, e.g. `endpoint-v1`. */
  schema: string;
  /** Active features the model reads. */
  features: number;
}

/** Loss by epoch from training (metrics.json). */
export interface ReportTraining {
  source: string;
  epochs: readonly { epoch: number; trainLoss: number | null; validationLoss: number | null }[];
  /** The epoch whose weights were kept. */
  bestEpoch: number;
  stoppedEarly: boolean;
  trainingRows: number;
  validationRows: number;
}

/** Binned values: `counts[i]` values fall in `[edges[i], edges[i+1])` (the last bin includes its right edge). */
export interface ReportHistogram {
  /** `[bins + 1]` ascending. */
  edges: readonly number[];
  /** Log axis: edges are evenly spaced in log10 and all > 0. */
  scale: 'linear' | 'log';
  counts: readonly number[];
}

/** The score distribution of the scored rows and the threshold. */
export interface ReportScores {
  rows: number;
  /** Rows with score > threshold. */
  flagged: number;
  threshold: number;
  /** All rows. */
  histogram: ReportHistogram;
  /** With labels: the same bins for label-0 and label-1 rows (`counts` only). */
  byLabel: { normal: readonly number[]; anomalous: readonly number[] } | null;
}

/** Detection quality against labels. */
export interface ReportLabels {
  positives: number;
  negatives: number;
  /** Null when the labels hold one class. */
  rocAuc: number | null;
  /** Null without positives. */
  averagePrecision: number | null;
  /** At the model's threshold (`score > threshold` flagged). */
  atThreshold: { precision: number; recall: number; f1: number; tp: number; fp: number; tn: number; fn: number };
  /** Null when the labels hold one class. */
  roc: { fpr: readonly number[]; tpr: readonly number[] } | null;
  /** Ordered by decreasing recall; null without positives. */
  precisionRecall: { recall: readonly number[]; precision: readonly number[] } | null;
}

/** Drift statistics of one feature (or of the anomaly score). */
export interface ReportDriftRow {
  name: string;
  psi: number;
  wasserstein: number;
  ksStatistic: number;
  status: ReportVerdict;
}

/** Reference vs current distribution of one feature, as shares of rows per bin (training-file units). */
export interface ReportDistribution {
  name: string;
  status: ReportVerdict;
  /** `[bins + 1]`; the outer bins also hold the values beyond them. */
  edges: readonly number[];
  reference: readonly number[];
  current: readonly number[];
}

/** Drift of a current batch against the training reference. */
export interface ReportDrift {
  reference: string;
  current: string;
  /** Rows of the batch and rows used (finite, zero padding). */
  rows: number;
  validRows: number;
  verdict: ReportVerdict;
  /** Configured warn and retrain levels per statistic (they may be raised to the sampling noise, see `warnings`). */
  levels: Record<'psi' | 'wasserstein' | 'ksStatistic', { warn: number; retrain: number }>;
  features: readonly ReportDriftRow[];
  /** The anomaly score's drift, when a model was given. */
  score: ReportDriftRow | null;
  /** The worst features' distributions (a few). */
  distributions: readonly ReportDistribution[];
  /** One line per feature or score that is not ok. */
  reasons: readonly string[];
  warnings: readonly string[];
}

/** The top flagged rows and the features that drove their scores. */
export interface ReportExplanations {
  /** e.g. `reconstruction` or `shap`. */
  method: string;
  /** What a contribution means, e.g. `share of the squared reconstruction error`. */
  unit: string;
  /** Rows above the threshold in the whole file. */
  flagged: number;
  /** By descending score. */
  rows: readonly { row: number; score: number; top: readonly { name: string; contribution: number; value: number }[] }[];
}

/** A quantized model against the float model it came from, on the same rows. */
export interface ReportQuantization {
  floatModel: string;
  quantizedModel: string;
  rows: number;
  spearman: number;
  maxAbsDiff: number;
  /** Share of rows whose `score > threshold` decision differs. */
  flipFraction: number;
  threshold: number;
  /** With labels: ROC-AUC of each model (null when the labels hold one class or are absent). */
  floatRocAuc: number | null;
  quantizedRocAuc: number | null;
  /** File sizes, bytes (null when a model is not a file the pipeline measured). */
  floatBytes: number | null;
  quantizedBytes: number | null;
  /** A sample of rows (a few thousand at most): float and int8 score of each. */
  points: { float: readonly number[]; quantized: readonly number[] };
}
