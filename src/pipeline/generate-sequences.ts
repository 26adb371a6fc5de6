/**
 * `writeSequenceFiles`: the sequence form of `dadm gen-data` — per-host endpoint-v1 time series as
 * model input rows `[N, 64]` float32 with `hosts [N]` int32 (a host's rows contiguous and in time
 * order), labels `[N]` and attack types `[N]` uint8. Streamed host by host: memory holds one host's
 * series, never the table, whatever the row count.
 */
import { NpyWriter } from '../io/index.js';
import {
  CORE_FEATURE_DIM, FEATURE_DIM, SEQUENCE_ATTACK_NAMES, normalizeCore, sequenceHosts, toModelInput, type SequenceDataOptions,
} from '../schema/index.js';

/** Options of {@link writeSequenceFiles}: the generator's options and the output paths. */
export interface SequenceFilesOptions extends SequenceDataOptions {
  /** `[hosts * steps, 64]` float32 endpoint-v1 model input. */
  out: string;
  /** `[hosts * steps]` int32 host id per row. */
  hostsOut: string;
  /** Optional `[hosts * steps]` uint8, 1 on attack steps. */
  labelsOut?: string;
  /** Optional `[hosts * steps]` uint8 attack code (0 normal, else an index of `attackNames`). */
  attackTypesOut?: string;
}

/** What {@link writeSequenceFiles} wrote. */
export interface SequenceFilesResult {
  rows: number;
  cols: number;
  hosts: number;
  steps: number;
  anomalies: number;
  /** Rows per attack name (normal included). */
  attackCounts: Record<string, number>;
  attackNames: readonly string[];
  files: { data: string; hosts: string; labels?: string; attackTypes?: string };
}

/**
 * Generates the series with `sequenceHosts`, normalizes them with the fixed endpoint-v1 constants,
 * pads to 64 columns and writes numpy-loadable .npy files (each streamed to a temporary file and
 * renamed into place at the end, so an error while generating leaves no output). The same options always give
 * the same bytes.
 * @throws InvalidOptionError for bad generator options or an output path that cannot be written
 */
export function writeSequenceFiles(options: SequenceFilesOptions): SequenceFilesResult {
  const { hosts, steps } = options;
  const rows = hosts * steps;
  const hosts0 = sequenceHosts(options); // checks the options before any file is created
  const first = hosts0.next();
  const writers: NpyWriter[] = [];
  const open = (path: string, shape: number[], dtype: 'float32' | 'int32' | 'uint8'): NpyWriter => {
    const w = new NpyWriter(path, { shape, dtype });
    writers.push(w);
    return w;
  };
  const counts = new Float64Array(SEQUENCE_ATTACK_NAMES.length);
  let anomalies = 0;
  try {
    const data = open(options.out, [rows, FEATURE_DIM], 'float32');
    const ids = open(options.hostsOut, [rows], 'int32');
    const labels = options.labelsOut === undefined ? null : open(options.labelsOut, [rows], 'uint8');
    const types = options.attackTypesOut === undefined ? null : open(options.attackTypesOut, [rows], 'uint8');
    const normalized = new Float32Array(steps * CORE_FEATURE_DIM);
    const padded = new Float32Array(steps * FEATURE_DIM);
    const hostIds = new Int32Array(steps);
    for (let r = first; !r.done; r = hosts0.next()) {
      const s = r.value;
      normalizeCore(s.raw, { out: normalized, source: 'writeSequenceFiles' });
      data.append(toModelInput(normalized, padded));
      ids.append(hostIds.fill(s.host));
      labels?.append(s.labels);
      types?.append(s.attackType);
      for (let t = 0; t < steps; t++) {
        counts[s.attackType[t]!]!++;
        anomalies += s.labels[t]!;
      }
    }
    for (const w of writers) w.finish();
  } catch (err) {
    for (const w of writers) w.abort();
    throw err;
  }
  const attackCounts: Record<string, number> = {};
  SEQUENCE_ATTACK_NAMES.forEach((name, i) => (attackCounts[name] = counts[i]!));
  const files: SequenceFilesResult['files'] = { data: options.out, hosts: options.hostsOut };
  if (options.labelsOut !== undefined) files.labels = options.labelsOut;
  if (options.attackTypesOut !== undefined) files.attackTypes = options.attackTypesOut;
  return { rows, cols: FEATURE_DIM, hosts, steps, anomalies, attackCounts, attackNames: SEQUENCE_ATTACK_NAMES, files };
}
