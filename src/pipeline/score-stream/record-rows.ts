/**
 * One input record as a model-input row, in a reusable batch buffer: an event with the schema's
 * features by name (endpoint-v1: raw units, normalized here with the schema's fixed constants), a
 * `features` array, or a row (Float32Array or number[]) already in the units of the training file.
 * A record that is not a usable row gives a message instead, so a stream goes on past it.
 */
import { CORE_FEATURE_DIM, ENDPOINT_V1, normalizeCore, toModelInput, type FeatureSchema } from '../../schema/index.js';

/** Where a record's values come from: a row as it would be read from a data file, or a raw event. */
const MODEL_ROW = 1;
const RAW_EVENT = 0;

/**
 * A batch of `capacity` rows `[capacity, schema.dim]`: {@link RecordRows.put} fills slot after slot,
 * {@link RecordRows.finish} normalizes the raw events of the batch at once.
 */
export class RecordRows {
  /** `[capacity, dim]` the rows in training-file units (what a data file would hold), after {@link finish}. */
  readonly rows: Float32Array;
  /** `[capacity, dim]` the values as given (raw event units), for explanations. */
  readonly given: Float32Array;
  readonly dim: number;
  private readonly normalizes: boolean;
  private readonly kind: Uint8Array;
  private readonly raw: Float32Array;
  private readonly normalized: Float32Array;
  private readonly names: readonly string[];

  constructor(
    readonly schema: FeatureSchema,
    readonly capacity: number,
  ) {
    this.dim = schema.dim;
    // Only endpoint-v1 defines raw units and their normalization; a generic model's rows are the training file's.
    this.normalizes = schema.hash === ENDPOINT_V1.hash;
    this.names = schema.featureNames.slice(0, schema.activeFeatures);
    this.rows = new Float32Array(capacity * this.dim);
    this.given = new Float32Array(capacity * this.dim);
    this.kind = new Uint8Array(capacity);
    this.raw = new Float32Array(this.normalizes ? capacity * CORE_FEATURE_DIM : 0);
    this.normalized = new Float32Array(this.raw.length);
  }

  /**
   * Puts `record` into slot `i`.
   * @returns null, or what is wrong with the record (the slot is then unusable)
   */
  put(i: number, record: unknown): string | null {
    if (record instanceof Float32Array || Array.isArray(record)) return this.putRow(i, record);
    if (typeof record !== 'object' || record === null) return `record must be a JSON object, got ${describe(record)}`;
    const features = (record as { features?: unknown }).features;
    if (features !== undefined) {
      if (this.normalizes) return `features must be given by name (${this.names[0]}, ${this.names[1]}, ...) for schema ${this.schema.name}, got a features array`;
      return Array.isArray(features) ? this.putRow(i, features) : `features must be an array of ${this.dim} numbers, got ${describe(features)}`;
    }
    const obj = record as Record<string, unknown>;
    for (let j = 0; j < this.names.length; j++) {
      const error = this.putValue(i, j, obj[this.names[j]!]);
      if (error !== null) return error;
    }
    return this.endEvent(i);
  }

  /**
   * Puts the fields of a CSV row into slot `i`: feature j is `fields[columns[j]]`.
   * @returns null, or what is wrong with the row
   */
  putFields(i: number, fields: readonly string[], columns: Int32Array): string | null {
    for (let j = 0; j < columns.length; j++) {
      const error = this.putValue(i, j, csvNumber(fields[columns[j]!]));
      if (error !== null) return error;
    }
    return this.endEvent(i);
  }

  /** Normalizes the raw events among the first `n` slots into {@link rows}. */
  finish(n: number): void {
    if (!this.normalizes || n === 0) return;
    const c = CORE_FEATURE_DIM;
    // Every put value was checked finite and >= 0, so normalizeCore cannot throw here.
    normalizeCore(this.raw.subarray(0, n * c), { out: this.normalized.subarray(0, n * c), source: 'record' });
    for (let i = 0; i < n; i++) {
      if (this.kind[i] !== RAW_EVENT) continue;
      toModelInput(this.normalized.subarray(i * c, (i + 1) * c), this.rows.subarray(i * this.dim, (i + 1) * this.dim));
    }
  }

  private putValue(i: number, j: number, value: unknown): string | null {
    const name = this.names[j]!;
    if (value === undefined || value === null) return `feature ${name} must be given, got nothing`;
    if (typeof value !== 'number') return `feature ${name} must be a number, got ${describe(value)}`;
    // Raw endpoint counts are >= 0 (normalizeCore's domain); other schemas take any finite value.
    if (!Number.isFinite(value) || (this.normalizes && value < 0)) return `feature ${name} must be a finite number${this.normalizes ? ' >= 0' : ''}, got ${value}`;
    if (this.normalizes) this.raw[i * CORE_FEATURE_DIM + j] = value;
    else this.rows[i * this.dim + j] = value;
    this.given[i * this.dim + j] = value;
    return null;
  }

  /** Marks slot `i` as an event (its rows entry is written by {@link finish} or was written by putValue). */
  private endEvent(i: number): null {
    this.kind[i] = this.normalizes ? RAW_EVENT : MODEL_ROW;
    for (let j = this.names.length; j < this.dim; j++) this.given[i * this.dim + j] = 0;
    return null;
  }

  private putRow(i: number, row: ArrayLike<unknown>): string | null {
    if (row.length !== this.dim) return `row must have ${this.dim} values (schema ${this.schema.name}), got ${row.length}`;
    const base = i * this.dim;
    for (let j = 0; j < this.dim; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) return `row value ${j} must be a finite number, got ${describe(v)}`;
      if (j >= this.schema.activeFeatures && v !== 0) return `row value ${j} must be 0 (padding columns ${this.schema.activeFeatures}..${this.dim - 1}), got ${v}`;
      this.rows[base + j] = v;
      this.given[base + j] = v;
    }
    this.kind[i] = MODEL_ROW;
    return null;
  }
}

/** A short description of a JSON value for messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** A CSV field as a number; undefined for an empty field, the text itself when it is not a number. */
function csvNumber(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  const v = Number(text);
  return Number.isNaN(v) && text.trim() !== 'NaN' ? text : v;
}
