/**
 * Data of a simulation: training rows with optional host ids and host profiles per row and a
 * labelled held-out set, either read from files or generated (synthetic endpoint hosts, whose
 * profiles make the by-profile split possible; with `sequences`, per-host time series as `gen-data
 * --sequences` writes them, for a sequence kind). With host ids, whole hosts are held out, so every
 * host's rows stay together and in order on both sides.
 */
import { readFileSync } from 'node:fs';
import { DataError, InvalidOptionError } from '../errors.js';
import { readNpyFile, readNpyTyped } from '../io/index.js';
import { generateHostData, generateSequenceData, normalizeCore, toModelInput } from '../schema/index.js';
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
  /** Held-out rows with labels, and their host ids when the data has them (whole hosts held out). */
  test: { rows: Float32Array; count: number; labels: Uint8Array; hosts: Int32Array | null } | null;
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
  /** Held-out fraction of `data` (of its hosts, with `hosts`) when labels are given. Default 0.2. */
  testFraction?: number;
  /** Without `data`: generate per-host time series (`rows / steps` hosts of `steps` rows) instead of rows. */
  sequences?: boolean;
  /** Rows per generated host with `sequences`. Default 100 (as `gen-data --sequences`). */
  steps?: number;
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
  const held = hosts === null ? heldOutRows(count, frac, o.seed) : heldOutHosts(hosts, frac, o.seed, o.hosts!);
  const trainIdx: number[] = [], testIdx: number[] = [];
  for (let r = 0; r < count; r++) (held[r] === 1 ? testIdx : trainIdx).push(r);
  const pick = (idx: number[]): Float32Array => {
    const out = new Float32Array(idx.length * cols);
    idx.forEach((r, k) => out.set(x.data.subarray(r * cols, (r + 1) * cols), k * cols));
    return out;
  };
  const of = (v: Int32Array | null, idx: number[]): Int32Array | null => (v === null ? null : Int32Array.from(idx, (r) => v[r]!));
  return {
    rows: pick(trainIdx),
    count: trainIdx.length,
    cols,
    hosts: of(hosts, trainIdx),
    profiles: of(profiles, trainIdx),
    test: { rows: pick(testIdx), count: testIdx.length, labels: Uint8Array.from(testIdx, (r) => labels[r]!), hosts: of(hosts, testIdx) },
  };
}

/** 1 for a seeded `frac` share of the rows. */
function heldOutRows(count: number, frac: number, seed: number): Uint8Array {
  const held = new Uint8Array(count);
  const perm = new Random(seed).permutation(count);
  const n = Math.max(1, Math.round(frac * count));
  for (let k = 0; k < n; k++) held[perm[k]!] = 1;
  return held;
}

/**
 * 1 for every row of a seeded `frac` share of the hosts (at least one; at least one host stays).
 * @throws InvalidOptionError for data of a single host
 */
function heldOutHosts(hosts: Int32Array, frac: number, seed: number, source: string): Uint8Array {
  const ids = [...new Set(hosts)].sort((a, b) => a - b);
  if (ids.length < 2) throw new InvalidOptionError(`simulate: ${source} must hold at least 2 hosts to hold some out for testing, got ${ids.length}`, 'hosts');
  new Random(seed).shuffleInPlace(ids);
  const test = new Set(ids.slice(0, Math.min(ids.length - 1, Math.max(1, Math.round(frac * ids.length)))));
  return Uint8Array.from(hosts, (h) => (test.has(h) ? 1 : 0));
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
  if (o.sequences === true) return generatedSequences(o);
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
    test: { rows: toModelInput(normalizeCore(test.raw)), count: testRows, labels: test.labels, hosts: null },
  };
}

/** `rows / steps` hosts of training series and a quarter as many fresh hosts as the test set (at least 4). */
function generatedSequences(o: SimDataOptions): SimData {
  const steps = o.steps ?? 100;
  const rows = o.rows ?? 20_000;
  if (!(Number.isSafeInteger(steps) && steps >= 2 && rows >= steps)) throw new InvalidOptionError(`simulate: steps must be an integer in [2, rows = ${rows}], got ${steps}`, 'steps');
  const hosts = Math.floor(rows / steps);
  const rate = o.anomalyRate ?? 0.02;
  const train = generateSequenceData({ hosts, steps, seed: o.seed, anomalyRate: rate });
  const test = generateSequenceData({ hosts: Math.max(4, Math.round(hosts / 4)), steps, seed: o.seed + 1_000_003, anomalyRate: Math.max(rate, 0.02) });
  return {
    rows: toModelInput(normalizeCore(train.raw)),
    count: train.hosts.length,
    cols: 64,
    hosts: train.hosts,
    profiles: Int32Array.from(train.hosts, (h) => train.profile[h]!),
    test: { rows: toModelInput(normalizeCore(test.raw)), count: test.hosts.length, labels: test.labels, hosts: test.hosts },
  };
}
