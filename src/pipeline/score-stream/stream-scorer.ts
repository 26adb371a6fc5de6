/**
 * The batch engine behind streamed scoring: records go into a fixed batch of rows, and one flush
 * normalizes, standardizes and scores them together (one kernel call), then explains each one when
 * asked. Memory is the batch, whatever the length of the stream.
 */
import { InvalidOptionError } from '../../errors.js';
import type { ScoreKernel } from '../../data/index.js';
import type { KnownDetector } from '../../models/index.js';
import { standardizeInPlace } from '../../schema/index.js';
import { explainRow, rowExplainer, type ExplainedFeature, type RowExplainer } from '../explain.js';
import { RecordRows } from './record-rows.js';

/** Rows scored together at most: enough to amortize a kernel call, small enough to add no latency. */
export const STREAM_BATCH_ROWS = 256;

/** How {@link StreamScorer} scores. */
export interface StreamScorerOptions {
  /** Features listed per record (0 = no explanation). Default 0. */
  explain?: number;
  /** Rows per batch. Default {@link STREAM_BATCH_ROWS}. */
  batchRows?: number;
}

/** What {@link StreamScorer} scores with: a model and its kernel (see loadScoringModel). */
export interface StreamScoring {
  readonly detector: KnownDetector;
  readonly kernel: ScoreKernel;
}

/** The score of one record. */
export interface StreamScore {
  /** Anomaly score, higher = more anomalous. */
  score: number;
  /** score > the model's threshold. */
  flagged: boolean;
  /**
   * With `explain`: the top features, largest contribution first — reconstruction share of the squared
   * error for a model that reconstructs, else Shapley values (score units). `value` is as given.
   */
  reasons?: ExplainedFeature[];
}

/** Scores records in batches: {@link add} until {@link full}, then {@link flush}. */
export class StreamScorer {
  readonly capacity: number;
  private readonly rows: RecordRows;
  private readonly z: Float32Array;
  private readonly scores: Float32Array;
  private readonly explainer: RowExplainer | null;
  private readonly kernel: ScoreKernel;
  readonly detector: KnownDetector;
  private n = 0;

  /**
   * @throws InvalidOptionError for a bad batch size or explain count; the errors of rowExplainer
   *   (a Shapley background that cannot be read, for a model without reconstruction)
   */
  constructor(scoring: StreamScoring, options: StreamScorerOptions = {}) {
    const { detector } = scoring;
    this.detector = detector;
    this.kernel = scoring.kernel;
    const capacity = options.batchRows ?? STREAM_BATCH_ROWS;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new InvalidOptionError(`scoreStream: batchRows must be an integer >= 1, got ${capacity}`, 'batchRows');
    this.capacity = capacity;
    this.rows = new RecordRows(detector.schema, capacity);
    this.z = detector.standardizer === null ? this.rows.rows : new Float32Array(this.rows.rows.length);
    this.scores = new Float32Array(capacity);
    const k = options.explain ?? 0;
    if (!Number.isSafeInteger(k) || k < 0) throw new InvalidOptionError(`scoreStream: explain must be an integer >= 0, got ${k}`, 'explain');
    // Reconstruction costs one forward pass a row; Shapley values only when the model has no reconstruction.
    this.explainer = k === 0 ? null : rowExplainer(detector, { model: detector.path, topK: k, method: detector.explain.reconstruct === null ? 'shap' : 'reconstruction' });
  }

  /** Records added since the last flush. */
  get size(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === this.capacity;
  }

  /**
   * Adds a record (see RecordRows.put) to the batch.
   * @returns null, or what is wrong with the record (it is then not added)
   */
  add(record: unknown): string | null {
    const error = this.rows.put(this.n, record);
    if (error === null) this.n++;
    return error;
  }

  /** Adds a CSV row whose feature j is `fields[columns[j]]`. @returns as {@link add} */
  addFields(fields: readonly string[], columns: Int32Array): string | null {
    const error = this.rows.putFields(this.n, fields, columns);
    if (error === null) this.n++;
    return error;
  }

  /**
   * Scores the batch and empties it: `each(k, score)` for the k-th record added, in order. A score
   * that is not finite (values too large for the model) is reported as such, not flagged.
   */
  flush(each: (k: number, result: StreamScore) => void): void {
    const n = this.n;
    this.n = 0;
    if (n === 0) return;
    const { detector, rows } = this;
    rows.finish(n);
    const dim = rows.dim;
    if (this.z !== rows.rows) {
      this.z.set(rows.rows.subarray(0, n * dim));
      standardizeInPlace(detector.standardizer!, this.z, n);
    }
    this.kernel(this.z.subarray(0, n * dim), n, this.scores);
    for (let k = 0; k < n; k++) {
      const score = this.scores[k]!;
      const result: StreamScore = { score, flagged: score > detector.threshold };
      if (this.explainer !== null && Number.isFinite(score)) {
        result.reasons = explainRow(this.explainer, rows.given.subarray(k * dim, (k + 1) * dim), this.z.subarray(k * dim, (k + 1) * dim)).top;
      }
      each(k, result);
    }
  }
}
