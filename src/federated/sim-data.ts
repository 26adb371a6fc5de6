/**
 * Data of a simulation: training rows with optional host ids and host profiles per row and a
 * labelled held-out set, either read from files or generated (synthetic endpoint hosts, whose
 * profiles make the by-profile split possible).
 */
import { readFileSync } from 'node:fs';
import { DataError, InvalidOptionError } from '../errors.js';
import { readNpyFile, readNpyTyped } from '../io/index.js';
import { generateHostData, normalizeCore, toModelInput } from '../schema/index.js';
import { Random } from '../tensor/index.js';

/** Rows `[count, cols]`, per-row host ids and profiles, and the labelled held-out set. */
export interface SimData {
  rows: Float32Array;
  count: number;
  cols: number;
  /** Host id per row (the hosts file), or null. */
  hosts: Int32Array | null;
  /** Host profile per row (the profiles file, or the profiles of generated rows), or null. */
  profiles: Int32Array | null;
  test: { rows: Float32Array; count: number; labels: Uint8Array } | null;
}

/** Where the data of a simulation comes from. */
export interface SimDataOptions {
  /** `.npy` `[rows, cols]`; without it, synthetic endpoint hosts are generated. */
  data?: string;
  /** `.npy` `[rows]` 0/1 labels of `data`: a held-out share becomes the test set. */
  labels?: string;
  /** `.npy` `[rows]` integer host id of each row of `data` (by-host split; each client gets its rows' ids). */
  hosts?: string;
  /** `.npy` `[rows]` integer host profile of each row of `data` (by-profile split). */
  profiles?: string;
  /** Rows to generate without `data`. Default 20,000 (plus a quarter as test set). */
  rows?: number;
  /** Anomaly rate of generated rows. Default 0.02. */
  anomalyRate?: number;
  /** Held-out fraction of `data` when labels are given. Default 0.2. */
  testFraction?: number;
  seed: number;
}

/**
 * Reads or generates the simulation data.
 * @throws DataError / FormatError for unreadable or inconsistent files
 */
export function loadSimData(o: SimDataOptions): SimData {
  if (o.data === undefined) return generated(o);
  const x = readNpyFile(o.data);
  if (x.shape.length !== 2) throw new DataError(`${o.data}: data must be 2-D [rows, features], got ${x.shape.length} dimensions`, o.data);
  const [count, cols] = x.shape as [number, number];
  const hosts = o.hosts === undefined ? null : Int32Array.from(readRowVector(o.hosts, count));
  const profiles = o.profiles === undefined ? null : Int32Array.from(readRowVector(o.profiles, count));
  if (o.labels === undefined) return { rows: x.data, count, cols, hosts, profiles, test: null };
  const labels = Uint8Array.from(readRowVector(o.labels, count));
  const frac = o.testFraction ?? 0.2;
  if (!(frac > 0 && frac < 1)) throw new InvalidOptionError(`simulate: testFraction must be in (0, 1), got ${frac}`, 'testFraction');
  const perm = new Random(o.seed).permutation(count);
  const nTest = Math.max(1, Math.round(frac * count));
  const pick = (idx: Int32Array): Float32Array => {
    const out = new Float32Array(idx.length * cols);
    idx.forEach((r, k) => out.set(x.data.subarray(r * cols, (r + 1) * cols), k * cols));
    return out;
  };
  const testIdx = perm.slice(0, nTest).sort();
  const trainIdx = perm.slice(nTest).sort();
  return {
    rows: pick(trainIdx),
    count: trainIdx.length,
    cols,
    hosts: hosts === null ? null : Int32Array.from(trainIdx, (r) => hosts[r]!),
    profiles: profiles === null ? null : Int32Array.from(trainIdx, (r) => profiles[r]!),
    test: { rows: pick(testIdx), count: testIdx.length, labels: Uint8Array.from(testIdx, (r) => labels[r]!) },
  };
}

/**
 * A 1-D numeric `.npy` with one entry per data row (labels, host ids, profiles).
 * @throws DataError for another shape or an int64 file
 */
export function readRowVector(path: string, count: number): ArrayLike<number> {
  const v = readNpyTyped(readFileSync(path), path);
  if (v.shape.length !== 1 || v.shape[0] !== count || typeof v.data[0] === 'bigint') {
    throw new DataError(`${path}: must be a 1-D numeric array of ${count} entries (one per data row), got shape [${v.shape.join(',')}]`, path);
  }
  return v.data as ArrayLike<number>;
}

function generated(o: SimDataOptions): SimData {
  const rows = o.rows ?? 20_000;
  const rate = o.anomalyRate ?? 0.02;
  const train = generateHostData({ rows, seed: o.seed, anomalyRate: rate });
  const testRows = Math.max(100, Math.round(rows / 4));
  const test = generateHostData({ rows: testRows, seed: o.seed + 1_000_003, anomalyRate: Math.max(rate, 0.02) });
  return {
    rows: toModelInput(normalizeCore(train.raw)),
    count: rows,
    cols: 64,
    hosts: null,
    profiles: Int32Array.from(train.profile),
    test: { rows: toModelInput(normalizeCore(test.raw)), count: testRows, labels: test.labels },
  };
}
