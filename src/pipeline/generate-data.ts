/**
 * `dadm gen-data`: synthetic endpoint-v1 telemetry as model input (`[rows, 64]` float32 .npy), or as
 * raw events (`.ndjson` / `.csv`, the 12 features by name in raw units, what `score --format` reads),
 * with optional labels and attack types.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { FormatError, InvalidOptionError } from '../errors.js';
import { AtomicStreamFile, NpyWriter, removeQuietly, tempPathFor, writeAllSync, writeNpyFile } from '../io/index.js';
import { ATTACK_NAMES, CORE_FEATURES, CORE_FEATURE_DIM, FEATURE_DIM, injectPlannedAttack, normalizeCore, planHostData, plannedAttackRows, sampleNormalRows, toModelInput, type HostDataPlan } from '../schema/index.js';
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

/**
 * The most rows one call generates. Memory does not grow with it but for the attack codes (1 byte a
 * row, only with anomalies, labels or attack types); the raw host table goes to a temporary file
 * next to `out` (48 bytes a row on disk).
 */
export const MAX_GENERATED_ROWS = 100_000_000;

/** Rows drawn, normalized and written per step, to bound the temporary arrays. */
const WRITE_ROWS = 16384;
/** Bytes of one raw host row (12 float32). */
const RAW_ROW_BYTES = CORE_FEATURE_DIM * 4;

/** Formats of `out` by extension. */
const OUT_FORMATS = { '.npy': 'npy', '.ndjson': 'ndjson', '.csv': 'csv' } as const;

/**
 * Generates rows with the draws of `generateHostData`, normalizes them (`normalizeCore`), pads them
 * to 64 columns (`toModelInput`) and writes them as a numpy-loadable float32 .npy (streamed, atomic);
 * `.ndjson` and `.csv` write the raw rows instead, streamed and atomic too. Labels and attack types
 * are uint8 .npy files. The same options always give the same bytes, the bytes of generateHostData's
 * table: the normal rows are drawn block by block into a raw temporary file, the attacks are then
 * injected into their rows there, and a second pass writes the file out.
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
    throw new InvalidOptionError(`generateData: rows must be an integer in [1, ${MAX_GENERATED_ROWS}] (write several files for more), got ${rows}`, 'rows');
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidOptionError(`generateData: seed must be a non-negative integer, got ${seed}`, 'seed');
  }
  refuseSameFile('generateData', [
    { option: 'out (--out)', path: out },
    opts.labelsOut === undefined ? undefined : { option: 'labelsOut (--labels)', path: opts.labelsOut },
    opts.attackTypesOut === undefined ? undefined : { option: 'attackTypesOut (--attack-types)', path: opts.attackTypesOut },
  ]);
  const plan = planHostData({ rows, seed, anomalyRate: opts.anomalyRate ?? 0 });
  const sink = format === 'npy' ? modelInputSink(out, rows) : eventSink(out, format);
  const rawPath = tempPathFor(out);
  let attackType: Uint8Array | null = null;
  try {
    const fd = openSync(rawPath, 'wx+', 0o600);
    try {
      const table = { fd, path: rawPath };
      drawRawTable(plan, table);
      attackType = injectAttacks(plan, table, opts.labelsOut !== undefined || opts.attackTypesOut !== undefined);
      passRawTable(table, rows, sink);
    } finally {
      closeSync(fd);
    }
    sink.finish();
  } catch (err) {
    sink.abort();
    throw err;
  } finally {
    removeQuietly(rawPath);
  }
  const files: GenerateDataResult['files'] = { data: out };
  const types = attackType ?? new Uint8Array(0);
  if (opts.attackTypesOut !== undefined) {
    writeNpyFile(opts.attackTypesOut, { data: types, shape: [rows] });
    files.attackTypes = opts.attackTypesOut;
  }
  if (opts.labelsOut !== undefined) {
    // The codes are not needed any more: turn them into labels in place.
    for (let i = 0; i < types.length; i++) types[i] = types[i]! > 0 ? 1 : 0;
    writeNpyFile(opts.labelsOut, { data: types, shape: [rows] });
    files.labels = opts.labelsOut;
  }
  const attackCounts: Record<string, number> = {};
  for (const name of ATTACK_NAMES) attackCounts[name] = 0;
  attackCounts.normal = rows - plan.anomalies;
  for (let a = 0; a < plan.anomalies; a++) attackCounts[ATTACK_NAMES[plan.codes[a % plan.codes.length]!]!]!++;
  return { rows, cols: FEATURE_DIM, anomalies: plan.anomalies, attackCounts, files };
}

/** The raw host table `[rows, 12]` float32 in a temporary file next to the output. */
interface RawTable {
  fd: number;
  path: string;
}

/** Draws every normal row of the plan, block by block, into the raw file `[rows, 12]` float32. */
function drawRawTable(plan: HostDataPlan, table: RawTable): void {
  const block = new Float32Array(Math.min(WRITE_ROWS, plan.rows) * CORE_FEATURE_DIM);
  for (let start = 0; start < plan.rows; start += WRITE_ROWS) {
    const raw = block.subarray(0, Math.min(WRITE_ROWS, plan.rows - start) * CORE_FEATURE_DIM);
    sampleNormalRows(plan.rng, raw);
    writeAllSync(table.fd, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), start * RAW_ROW_BYTES);
  }
}

/**
 * Injects the plan's attacks into their rows of the raw file, in draw order.
 * @returns the attack code of every row (0 = normal) when there are anomalies or `wanted`, else null
 */
function injectAttacks(plan: HostDataPlan, table: RawTable, wanted: boolean): Uint8Array | null {
  const positions = plannedAttackRows(plan);
  const codes = positions.length > 0 || wanted ? new Uint8Array(plan.rows) : null;
  const stored = new Float32Array(CORE_FEATURE_DIM);
  const bytes = new Uint8Array(stored.buffer);
  const row = new Float64Array(CORE_FEATURE_DIM);
  for (let a = 0; a < positions.length; a++) {
    const i = positions[a]!;
    readFully(table, bytes, i * RAW_ROW_BYTES);
    row.set(stored);
    codes![i] = injectPlannedAttack(plan, a, row);
    stored.set(row);
    writeAllSync(table.fd, bytes, i * RAW_ROW_BYTES);
  }
  return codes;
}

/** Where the raw rows go in the last pass: `[count, 12]` raw float32 blocks, in row order. */
interface RowSink {
  append(raw: Float32Array): void;
  finish(): void;
  abort(): void;
}

/** Reads the raw file block by block and hands each block to `sink`. */
function passRawTable(table: RawTable, rows: number, sink: RowSink): void {
  const block = new Float32Array(Math.min(WRITE_ROWS, rows) * CORE_FEATURE_DIM);
  for (let start = 0; start < rows; start += WRITE_ROWS) {
    const raw = block.subarray(0, Math.min(WRITE_ROWS, rows - start) * CORE_FEATURE_DIM);
    readFully(table, new Uint8Array(raw.buffer, 0, raw.byteLength), start * RAW_ROW_BYTES);
    sink.append(raw);
  }
}

/** `[rows, 64]` normalized model input as a float32 .npy. */
function modelInputSink(out: string, rows: number): RowSink {
  const writer = new NpyWriter(out, { shape: [rows, FEATURE_DIM], dtype: 'float32' });
  const normalized = new Float32Array(Math.min(WRITE_ROWS, rows) * CORE_FEATURE_DIM);
  const padded = new Float32Array(Math.min(WRITE_ROWS, rows) * FEATURE_DIM);
  return {
    append(raw) {
      const z = normalizeCore(raw, { out: normalized.subarray(0, raw.length), source: 'generateData' });
      writer.append(toModelInput(z, padded.subarray(0, (raw.length / CORE_FEATURE_DIM) * FEATURE_DIM)));
    },
    finish: () => writer.finish(),
    abort: () => writer.abort(),
  };
}

/**
 * The raw rows as events: `.ndjson` objects or `.csv` lines with the features by name, each value the
 * shortest decimal that reads back as the same float32 (so a scorer normalizes exactly these rows).
 */
function eventSink(out: string, format: 'ndjson' | 'csv'): RowSink {
  const names = CORE_FEATURES.map((f) => f.name);
  const keys = names.map((n) => `${JSON.stringify(n)}:`);
  const file = new AtomicStreamFile(out);
  let text = format === 'csv' ? `${names.join(',')}\n` : '';
  return {
    append(raw) {
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
    },
    finish() {
      file.write(text);
      file.finish();
    },
    abort: () => file.abort(),
  };
}

function readFully(table: RawTable, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) {
    const n = readSync(table.fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new FormatError(`${table.path}: raw host table must hold ${position + bytes.length} bytes, got ${position + done} (changed while gen-data ran?)`, table.path);
    done += n;
  }
}

