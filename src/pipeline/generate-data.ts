/**
 * `dadm gen-data`: synthetic endpoint-v1 telemetry as model input (`[rows, 64]` float32 .npy), or as
 * raw events (`.ndjson` / `.csv`, the 12 features by name in raw units, what `score --format` reads),
 * with optional labels and attack types.
 */
import { extname } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { AtomicStreamFile, NpyWriter, writeNpyFile } from '../io/index.js';
import { CORE_FEATURES, CORE_FEATURE_DIM, FEATURE_DIM, generateHostData, normalizeCore, toModelInput } from '../schema/index.js';
import { refuseSameFile } from './same-file.js';
import { float32Text } from './score-stream/score-lines.js';

/** Options of {@link generateData}. */
export interface GenerateDataOptions {
  /** Rows to generate, a positive integer. */
  rows: number;
  /**
   * Output path; its extension picks the format: `.npy` `[rows, 64]` float32 endpoint-v1 model input
   * (normalized), `.ndjson` one JSON object per row or `.csv` a header and one line per row, both
   * with the 12 features by name in raw units.
   */
  out: string;
  /** Generator seed, a non-negative integer. Default 0. */
  seed?: number;
  /** Share of rows turned into attacks, in [0, 1]. Default 0. */
  anomalyRate?: number;
  /** Optional output .npy for labels `[rows]` uint8 (1 = anomaly). */
  labelsOut?: string;
  /** Optional output .npy for attack codes `[rows]` uint8 (0 normal, 1.. index of `attackNames`). */
  attackTypesOut?: string;
}

/** What {@link generateData} wrote. */
export interface GenerateDataResult {
  rows: number;
  cols: number;
  anomalies: number;
  /** Rows per attack name (normal included). */
  attackCounts: Record<string, number>;
  files: { data: string; labels?: string; attackTypes?: string };
}

/** The most rows one call generates: the raw host table (48 bytes a row) is held in memory. */
export const MAX_GENERATED_ROWS = 100_000_000;

/** Rows normalized and written per step, to bound the temporary [rows, 64] array. */
const WRITE_ROWS = 16384;

/** Formats of `out` by extension. */
const OUT_FORMATS = { '.npy': 'npy', '.ndjson': 'ndjson', '.csv': 'csv' } as const;

/**
 * Generates rows with `generateHostData`, normalizes them (`normalizeCore`), pads them to 64 columns
 * (`toModelInput`) and writes them as a numpy-loadable float32 .npy (streamed, atomic). Labels and
 * attack types are uint8 .npy files. The same options always give the same bytes.
 * `.ndjson` and `.csv` write the raw rows instead, streamed and atomic too.
 * @throws InvalidOptionError for a bad row count, seed, anomaly rate or `out` extension
 * @throws UsageError when two of `out`, `labelsOut`, `attackTypesOut` name the same file
 */
export function generateData(opts: GenerateDataOptions): GenerateDataResult {
  const { rows, out } = opts;
  const format = OUT_FORMATS[extname(out).toLowerCase() as keyof typeof OUT_FORMATS];
  if (format === undefined) {
    throw new InvalidOptionError(`generateData: out must end in .npy (model input), .ndjson or .csv (raw events), got '${out}'`, 'out');
  }
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > MAX_GENERATED_ROWS) {
    throw new InvalidOptionError(`generateData: rows must be an integer in [1, ${MAX_GENERATED_ROWS}] (the host table is held in memory; write several files for more), got ${rows}`, 'rows');
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidOptionError(`generateData: seed must be a non-negative integer, got ${seed}`, 'seed');
  }
  refuseSameFile('generateData', [
    { option: 'out (--out)', path: out },
    opts.labelsOut === undefined ? undefined : { option: 'labelsOut (--labels)', path: opts.labelsOut },
    opts.attackTypesOut === undefined ? undefined : { option: 'attackTypesOut (--attack-types)', path: opts.attackTypesOut },
  ]);
  const host = generateHostData({ rows, seed, anomalyRate: opts.anomalyRate ?? 0 });
  if (format === 'npy') writeModelInput(out, host.raw, rows);
  else writeEvents(out, host.raw, format);
  const files: GenerateDataResult['files'] = { data: out };
  if (opts.labelsOut !== undefined) {
    writeNpyFile(opts.labelsOut, { data: host.labels, shape: [rows] });
    files.labels = opts.labelsOut;
  }
  if (opts.attackTypesOut !== undefined) {
    writeNpyFile(opts.attackTypesOut, { data: host.attackType, shape: [rows] });
    files.attackTypes = opts.attackTypesOut;
  }
  const attackCounts: Record<string, number> = {};
  for (const name of host.attackNames) attackCounts[name] = 0;
  let anomalies = 0;
  for (let i = 0; i < rows; i++) {
    attackCounts[host.attackNames[host.attackType[i]!]!]!++;
    anomalies += host.labels[i]!;
  }
  return { rows, cols: FEATURE_DIM, anomalies, attackCounts, files };
}

/** `[rows, 64]` normalized model input as a float32 .npy, `WRITE_ROWS` rows at a time. */
function writeModelInput(out: string, raws: Float32Array, rows: number): void {
  const writer = new NpyWriter(out, { shape: [rows, FEATURE_DIM], dtype: 'float32' });
  try {
    const normalized = new Float32Array(Math.min(WRITE_ROWS, rows) * CORE_FEATURE_DIM);
    const padded = new Float32Array(Math.min(WRITE_ROWS, rows) * FEATURE_DIM);
    for (let start = 0; start < rows; start += WRITE_ROWS) {
      const count = Math.min(WRITE_ROWS, rows - start);
      const raw = raws.subarray(start * CORE_FEATURE_DIM, (start + count) * CORE_FEATURE_DIM);
      const z = normalizeCore(raw, { out: normalized.subarray(0, raw.length), source: 'generateData' });
      writer.append(toModelInput(z, padded.subarray(0, count * FEATURE_DIM)));
    }
    writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

/**
 * The raw rows as events: `.ndjson` objects or `.csv` lines with the features by name, each value the
 * shortest decimal that reads back as the same float32 (so a scorer normalizes exactly these rows).
 */
function writeEvents(out: string, raw: Float32Array, format: 'ndjson' | 'csv'): void {
  const names = CORE_FEATURES.map((f) => f.name);
  const keys = names.map((n) => `${JSON.stringify(n)}:`);
  const file = new AtomicStreamFile(out);
  try {
    let text = format === 'csv' ? `${names.join(',')}\n` : '';
    for (let base = 0; base < raw.length; base += CORE_FEATURE_DIM) {
      let line = '';
      for (let j = 0; j < CORE_FEATURE_DIM; j++) {
        const v = float32Text(raw[base + j]!);
        line += format === 'csv' ? (j === 0 ? v : `,${v}`) : `${j === 0 ? '{' : ','}${keys[j]}${v}`;
      }
      text += format === 'csv' ? `${line}\n` : `${line}}\n`;
      if (text.length >= 1 << 20) {
        file.write(text);
        text = '';
      }
    }
    file.write(text);
    file.finish();
  } catch (err) {
    file.abort();
    throw err;
  }
}
