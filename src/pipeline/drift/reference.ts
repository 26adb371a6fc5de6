/**
 * drift_reference.npz: what the drift monitor needs to know about the training data, per active
 * feature (in model-input units, i.e. after standardization) and for the anomaly score. This file
 * computes the parts; drift-reference-file.ts lays out the npz members (docs/pipeline.md, docs/drift.md).
 */
import { CHUNK_ROWS, type DataFile, type PrepassResult } from '../../data/index.js';
import type { NpyArrayLike } from '../../io/index.js';
import { standardizeInPlace, type FeatureSchema, type Standardizer } from '../../schema/index.js';
import { quantile, summarizeReference } from '../../stats/index.js';
import { driftReferenceMembers } from './reference-file.js';

/** PSI bins (deciles) and the proportion floor, as src/stats uses them. */
export const DRIFT_BINS = 10;
export const DRIFT_FLOOR = 1e-4;
const DECILES = Array.from({ length: DRIFT_BINS - 1 }, (_, k) => (k + 1) / DRIFT_BINS);

export interface DriftReferenceOptions {
  file: DataFile;
  prepass: PrepassResult;
  standardizer: Standardizer | null;
  featureNames: readonly string[];
  /** The input schema; its name, version and hash are recorded in the reference. */
  schema: Pick<FeatureSchema, 'name' | 'version' | 'hash'>;
  /** Anomaly scores of the threshold rows (validation rows, or all rows without validation). */
  scores: Float32Array;
  threshold: number;
  /** Capacity of the score sketch. */
  sampleRows: number;
  /** The checkpoint's `checkpoint_sha256`, stamped into meta_json so a mixed set is refused. */
  trainingId?: string;
}

/**
 * Builds the npz members. Exact deciles when the prepass kept the columns; otherwise deciles of the
 * row sample and proportions counted over the whole file in one more streaming pass.
 */
export function buildDriftReference(opts: DriftReferenceOptions): Map<string, NpyArrayLike> {
  const { file, prepass, standardizer } = opts;
  const active = opts.featureNames.length;
  const sample = prepass.driftSample.sorted();
  const sampleRows = sample.index.length;
  if (standardizer !== null) standardizeInPlace(standardizer, sample.rows, sampleRows);
  const featureSample = new Float32Array(sampleRows * active);
  for (let i = 0; i < sampleRows; i++) {
    for (let j = 0; j < active; j++) featureSample[i * active + j] = sample.rows[i * file.cols + j]!;
  }
  const edges = new Float64Array(active * (DRIFT_BINS - 1));
  const proportions = new Float64Array(active * DRIFT_BINS);
  const exact = prepass.columns !== null;
  if (prepass.columns !== null) {
    const rows = file.rows;
    for (let j = 0; j < active; j++) {
      const column = prepass.columns.subarray(j * rows, (j + 1) * rows);
      if (standardizer !== null) standardizeColumn(column, standardizer.mean[j]!, standardizer.scale[j]!);
      const s = summarizeReference(column, { bins: DRIFT_BINS, floor: DRIFT_FLOOR, sampleSize: 1 });
      edges.set(s.edges, j * (DRIFT_BINS - 1));
      proportions.set(s.proportions, j * DRIFT_BINS);
    }
  } else {
    const column = new Float32Array(sampleRows);
    for (let j = 0; j < active; j++) {
      for (let i = 0; i < sampleRows; i++) column[i] = featureSample[i * active + j]!;
      edges.set(quantile(column, DECILES), j * (DRIFT_BINS - 1));
    }
    countProportions(file, standardizer, { active, edges, out: proportions });
  }
  const scoreSummary = summarizeReference(opts.scores, { bins: DRIFT_BINS, floor: DRIFT_FLOOR, sampleSize: opts.sampleRows });
  return driftReferenceMembers({
    featureNames: opts.featureNames,
    schemaName: opts.schema.name,
    schemaVersion: opts.schema.version,
    schemaHash: opts.schema.hash,
    cols: file.cols,
    rows: file.rows,
    exact,
    floor: DRIFT_FLOOR,
    edges,
    proportions,
    sample: featureSample,
    sampleIndex: sample.index,
    standardizer,
    ...(opts.trainingId === undefined ? {} : { trainingId: opts.trainingId }),
    score: {
      rows: opts.scores.length,
      edges: scoreSummary.edges,
      proportions: scoreSummary.proportions,
      sample: scoreSummary.sample,
      threshold: opts.threshold,
    },
  });
}

function standardizeColumn(column: Float32Array, mean: number, scale: number): void {
  for (let i = 0; i < column.length; i++) column[i] = (column[i]! - mean) / scale;
}

/** Floored bin proportions of every active feature over the whole file (one streaming pass). */
/** The bins of {@link countProportions}: per active feature, its `DRIFT_BINS - 1` edges; `out` receives the proportions. */
interface ProportionBins {
  active: number;
  edges: Float64Array;
  out: Float64Array;
}

function countProportions(file: DataFile, s: Standardizer | null, bins: ProportionBins): void {
  const { active, edges, out } = bins;
  const { rows, cols } = file;
  const nEdges = DRIFT_BINS - 1;
  const counts = new Float64Array(active * DRIFT_BINS);
  const chunk = new Float32Array(Math.min(CHUNK_ROWS, rows) * cols);
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, rows - start);
    file.reader.readRows(start, count, chunk);
    if (s !== null) standardizeInPlace(s, chunk, count);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < active; j++) {
        const x = chunk[i * cols + j]!;
        // bin = number of edges <= x (numpy searchsorted side='right'), as src/stats binCounts.
        let bin = 0;
        while (bin < nEdges && edges[j * nEdges + bin]! <= x) bin++;
        counts[j * DRIFT_BINS + bin]!++;
      }
    }
  }
  for (let k = 0; k < counts.length; k++) out[k] = Math.max(counts[k]! / rows, DRIFT_FLOOR);
}
