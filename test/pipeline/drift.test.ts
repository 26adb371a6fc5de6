import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, FormatError, InvalidOptionError } from '../../src/errors.js';
import { writeNpyFile, writeNpzFile, type NpyArrayLike } from '../../src/io/index.js';
import { drift, type DriftResult } from '../../src/pipeline/drift.js';
import { driftReferenceMembers, type DriftReferenceParts } from '../../src/pipeline/drift-reference-file.js';
import { mergeConfig } from '../../src/pipeline/index.js';
import { Random } from '../../src/tensor/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir('dadm-drift-');
const ACTIVE = 3;
const COLS = 5; // 3 features + 2 zero padding columns
const NAMES = ['alpha', 'beta', 'gamma'];

/** numpy.quantile(method='linear') of an ascending array. */
function naiveQuantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  const g = h - lo;
  return g < 0.5 ? a + (b - a) * g : b - (b - a) * (1 - g);
}

/** Bin of x: number of edges <= x. */
function naiveBin(edges: number[], x: number): number {
  let b = 0;
  for (const e of edges) if (e <= x) b++;
  return b;
}

function naiveProportions(values: number[], edges: number[], floor: number | null): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) counts[naiveBin(edges, v)]!++;
  return counts.map((c) => (floor === null ? c / values.length : Math.max(c / values.length, floor)));
}

function naivePsi(ref: number[], cur: number[], floor: number): number {
  let s = 0;
  for (let k = 0; k < ref.length; k++) {
    const c = Math.max(cur[k]!, floor);
    s += (c - ref[k]!) * Math.log(c / ref[k]!);
  }
  return s;
}

/** Empirical CDF of `sorted` at x (share of values <= x). */
function ecdf(sorted: number[], x: number): number {
  let n = 0;
  while (n < sorted.length && sorted[n]! <= x) n++;
  return n / sorted.length;
}

/** W1 = integral of |U - V| between consecutive merged points; KS D = max |U - V| at the points. */
function naiveW1Ks(u: number[], v: number[]): { w1: number; ks: number } {
  const a = [...u].sort((x, y) => x - y);
  const b = [...v].sort((x, y) => x - y);
  const pts = [...a, ...b].sort((x, y) => x - y);
  let w1 = 0;
  let ks = 0;
  for (let i = 0; i < pts.length; i++) {
    const d = Math.abs(ecdf(a, pts[i]!) - ecdf(b, pts[i]!));
    ks = Math.max(ks, d);
    if (i + 1 < pts.length) w1 += d * (pts[i + 1]! - pts[i]!);
  }
  return { w1, ks };
}

function column(rows: Float32Array, cols: number, j: number): number[] {
  return Array.from({ length: rows.length / cols }, (_, i) => rows[i * cols + j]!);
}

/** Normal features (mean 0, std 1) in the first 3 columns, zero padding after. */
function batch(n: number, seed: number, shift: readonly number[] = [0, 0, 0]): Float32Array {
  const rng = new Random(seed);
  const x = new Float32Array(n * COLS);
  for (let i = 0; i < n; i++) for (let j = 0; j < ACTIVE; j++) x[i * COLS + j] = rng.normal(0, 1) + shift[j]!;
  return x;
}

/** A reference of `train` rows built with the naive helpers (exact deciles, sample = all rows). */
function referenceParts(train: Float32Array): DriftReferenceParts {
  const rows = train.length / COLS;
  const edges: number[] = [];
  const proportions: number[] = [];
  const sample = new Float32Array(rows * ACTIVE);
  for (let j = 0; j < ACTIVE; j++) {
    const col = column(train, COLS, j);
    const sorted = [...col].sort((a, b) => a - b);
    const e = Array.from({ length: 9 }, (_, k) => naiveQuantile(sorted, (k + 1) / 10));
    edges.push(...e);
    proportions.push(...naiveProportions(col, e, 1e-4));
    for (let i = 0; i < rows; i++) sample[i * ACTIVE + j] = col[i]!;
  }
  return {
    featureNames: NAMES,
    schemaHash: 'test-hash',
    cols: COLS,
    rows,
    exact: true,
    floor: 1e-4,
    edges: Float64Array.from(edges),
    proportions: Float64Array.from(proportions),
    sample,
    sampleIndex: Float64Array.from({ length: rows }, (_, i) => i),
    standardizer: null,
    score: {
      rows: 10,
      edges: Float64Array.from({ length: 9 }, (_, k) => k + 1),
      proportions: new Float64Array(10).fill(0.1),
      sample: Float64Array.from({ length: 10 }, (_, k) => k + 0.5),
      threshold: 9,
    },
  };
}

function writeReference(name: string, parts: DriftReferenceParts, edit?: (m: Map<string, NpyArrayLike>) => void): string {
  const members = driftReferenceMembers(parts);
  edit?.(members);
  const path = join(dir, name);
  writeNpzFile(path, members);
  return path;
}

function writeBatch(name: string, x: Float32Array, cols = COLS): string {
  const path = join(dir, name);
  writeNpyFile(path, { data: x, shape: [x.length / cols, cols] });
  return path;
}

const train = batch(1500, 1);
const reference = writeReference('ref.npz', referenceParts(train));

function expectNaiveDrift(r: DriftResult, current: Float32Array): void {
  const parts = referenceParts(train);
  for (let j = 0; j < ACTIVE; j++) {
    const cur = column(current, COLS, j);
    const e = Array.from(parts.edges.subarray(j * 9, (j + 1) * 9));
    const refP = Array.from(parts.proportions.subarray(j * 10, (j + 1) * 10));
    const { w1, ks } = naiveW1Ks(column(train, COLS, j), cur);
    const f = r.features[j]!;
    expect(f.name).toBe(NAMES[j]);
    expect(f.psi).toBeAllclose(naivePsi(refP, naiveProportions(cur, e, null), 1e-4), { rtol: 1e-12, atol: 0 });
    expect(f.wasserstein).toBeAllclose(w1, { rtol: 1e-9, atol: 1e-12 });
    expect(f.ks.statistic).toBeAllclose(ks, { rtol: 1e-12, atol: 1e-12 });
    expect(f.ks.pvalue).toBeGreaterThanOrEqual(0);
    expect(f.ks.pvalue).toBeLessThanOrEqual(1);
  }
}

describe('drift', () => {
  it('matches naive PSI, Wasserstein-1 and KS on every active feature when the batch fits the sample', () => {
    const current = batch(800, 2, [0.3, 0, -0.1]);
    const r = drift({ reference, current: writeBatch('cur.npy', current) });
    expect(r.rows).toBe(800);
    expect(r.validRows).toBe(800);
    expect(r.sampleRows).toBe(800);
    expect(r.features.map((f) => f.index)).toEqual([0, 1, 2]);
    expectNaiveDrift(r, current);
    expect(r.score).toBeNull();
  });

  it("gives 'ok' for a fresh batch of the same distribution and 'retrain' for a 0.5 std shift, naming the feature", () => {
    const same = drift({ reference, current: writeBatch('same.npy', batch(2000, 3)) });
    expect(same.features.map((f) => f.status)).toEqual(['ok', 'ok', 'ok']);
    expect(same.verdict).toBe('ok');
    expect(same.reasons).toEqual([]);
    const shifted = drift({ reference, current: writeBatch('shifted.npy', batch(2000, 4, [0, 0.5, 0])) });
    expect(shifted.features.map((f) => f.status)).toEqual(['ok', 'retrain', 'ok']);
    expect(shifted.verdict).toBe('retrain');
    expect(shifted.reasons).toHaveLength(1);
    expect(shifted.reasons[0]).toMatch(/^beta retrain: PSI \S+ >= 0\.25, Wasserstein \S+ >= 0\.25, KS \S+ >= 0\.2$/);
  });

  it("is 'warn' when the worst feature only reaches a warn level (thresholds from the config)", () => {
    const current = writeBatch('small-shift.npy', batch(2000, 5, [0.15, 0, 0]));
    const r = drift({ reference, current });
    expect(r.features[0]!.wasserstein).toBeGreaterThanOrEqual(0.1);
    expect(r.features[0]!.wasserstein).toBeLessThan(0.25);
    expect(r.verdict).toBe('warn');
    const strict = mergeConfig({ drift: { wassersteinWarn: 0.05, wassersteinRetrain: 0.12 } });
    expect(drift({ reference, current, config: strict }).verdict).toBe('retrain');
    expect(drift({ reference, current, config: mergeConfig({ drift: { wassersteinWarn: 1, wassersteinRetrain: 2, psiWarn: 1, psiRetrain: 2, ksWarn: 1, ksRetrain: 1 } }) }).verdict).toBe('ok');
  });

  it('uses every row for PSI but a seeded reservoir of sampleRows rows for W1 and KS', () => {
    const current = batch(3000, 6, [0.2, 0, 0]);
    const path = writeBatch('big.npy', current);
    const full = drift({ reference, current: path });
    const a = drift({ reference, current: path, sampleRows: 500, seed: 7 });
    const b = drift({ reference, current: path, sampleRows: 500, seed: 7 });
    const c = drift({ reference, current: path, sampleRows: 500, seed: 8 });
    expect(a.sampleRows).toBe(500);
    expect(a.features.map((f) => f.psi)).toEqual(full.features.map((f) => f.psi));
    expect(a.features).toEqual(b.features);
    expect(a.features[0]!.wasserstein).not.toBe(c.features[0]!.wasserstein);
    // A 500-row sample stays within sampling noise of the full batch.
    expect(Math.abs(a.features[0]!.wasserstein - full.features[0]!.wasserstein)).toBeLessThan(0.1);
  });

  it('scales the batch with the reference scaler before measuring', () => {
    const parts = referenceParts(train);
    // Reference in standardized units of a scaler with mean 10, scale 2: raw = 10 + 2 z.
    const withScaler = writeReference('ref-scaled.npz', { ...parts, standardizer: { mean: Float64Array.of(10, 10, 10, 0, 0), scale: Float64Array.of(2, 2, 2, 1, 1) } });
    const z = batch(800, 2, [0.3, 0, -0.1]);
    const raw = Float32Array.from(z, (v, k) => (k % COLS < ACTIVE ? 10 + 2 * v : 0));
    const r = drift({ reference: withScaler, current: writeBatch('raw.npy', raw) });
    const plain = drift({ reference, current: writeBatch('z.npy', z) });
    for (let j = 0; j < ACTIVE; j++) {
      expect(r.features[j]!.psi).toBeAllclose(plain.features[j]!.psi, { rtol: 1e-3, atol: 1e-6 });
      expect(r.features[j]!.wasserstein).toBeAllclose(plain.features[j]!.wasserstein, { rtol: 1e-4, atol: 1e-6 });
    }
  });
});

describe('drift bad input', () => {
  it('excludes and counts rows with NaN/Inf or non-zero padding, and measures the rest', () => {
    const current = batch(1000, 9, [0.1, 0, 0]);
    current[4 * COLS + 2] = Number.NaN;
    current[10 * COLS + 0] = Number.POSITIVE_INFINITY;
    current[20 * COLS + 4] = 1; // padding
    const r = drift({ reference, current: writeBatch('nan.npy', current) });
    expect(r.invalidRows).toBe(3);
    expect(r.validRows).toBe(997);
    expect(r.firstInvalid).toEqual({ row: 4, column: 2, value: Number.NaN, reason: 'non-finite' });
    expect(r.warnings[0]).toMatch(/^3 of 1000 rows excluded for NaN\/Inf or non-zero padding \(first: row 4, column 2\)$/);
    const kept = Float32Array.from(Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 4 && i !== 10 && i !== 20).flatMap((i) => Array.from(current.subarray(i * COLS, (i + 1) * COLS))));
    expectNaiveDrift(r, kept);
  });

  it('refuses a batch with more than 1% excluded rows with DataError naming the first row and column', () => {
    const current = batch(200, 9);
    for (const i of [7, 50, 51]) current[i * COLS + 1] = Number.NaN;
    expect(() => drift({ reference, current: writeBatch('nans.npy', current) })).toThrow(DataError);
    expect(() => drift({ reference, current: join(dir, 'nans.npy') })).toThrow(
      /nans\.npy: rows with NaN\/Inf or non-zero padding must be at most 1% of the batch, got 3 of 200 \(1\.50%\); first: row 7, column 1 = NaN \(non-finite\)$/,
    );
    expect(drift({ reference, current: join(dir, 'nans.npy'), maxInvalidFraction: 0.05 }).invalidRows).toBe(3);
  });

  it('refuses a batch of only bad rows even when every row may be excluded', () => {
    const current = new Float32Array(3 * COLS).fill(Number.NaN);
    expect(() => drift({ reference, current: writeBatch('all-nan.npy', current), maxInvalidFraction: 0.99 })).toThrow(/got 3 of 3 \(100%\); first: row 0, column 0 = NaN/);
  });

  it('refuses a batch of another width with DataError naming both files', () => {
    const path = writeBatch('wide.npy', new Float32Array(10 * 4), 4);
    expect(() => drift({ reference, current: path })).toThrow(DataError);
    expect(() => drift({ reference, current: path })).toThrow(/wide\.npy: width must be 5 like the reference .*ref\.npz \(3 features \+ 2 zero padding\), got 4$/);
  });

  it('refuses an empty batch and a 1-D batch', () => {
    const empty = join(dir, 'empty.npy');
    writeNpyFile(empty, { data: new Float32Array(0), shape: [0, COLS] });
    expect(() => drift({ reference, current: empty })).toThrow(DataError);
    expect(() => drift({ reference, current: empty })).toThrow(/empty\.npy: rows must be at least 1, got 0$/);
    const flat = join(dir, 'flat.npy');
    writeNpyFile(flat, { data: new Float32Array(5), shape: [5] });
    expect(() => drift({ reference, current: flat })).toThrow(FormatError);
    expect(() => drift({ reference, current: flat })).toThrow(/flat\.npy: data must be a 2-D array/);
  });

  it('refuses a reference that is not a dadm drift reference with FormatError naming the file', () => {
    const current = writeBatch('ok.npy', batch(100, 1));
    const npy = writeBatch('not-npz.npy', batch(10, 1));
    expect(() => drift({ reference: npy, current })).toThrow(FormatError);
    expect(() => drift({ reference: npy, current })).toThrow(/not-npz\.npy: drift reference must be an \.npz written by dadm train, got a file that is not one/);
    const foreign = join(dir, 'foreign.npz');
    writeNpzFile(foreign, { x: { data: new Float32Array(3), shape: [3] } });
    expect(() => drift({ reference: foreign, current })).toThrow(/foreign\.npz: drift reference must carry meta_json with format 'dadm-drift-reference' \(written by dadm train\), got members x$/);
    const garbage = join(dir, 'garbage.npz');
    writeFileSync(garbage, 'hello');
    expect(() => drift({ reference: garbage, current })).toThrow(FormatError);
    const other = writeReference('other.npz', referenceParts(train), (m) => {
      const bytes = new TextEncoder().encode(JSON.stringify({ format: 'something-else', version: 1 }));
      m.set('meta_json', { data: bytes, shape: [bytes.length] });
    });
    expect(() => drift({ reference: other, current })).toThrow(/other\.npz: drift reference must carry meta_json with format 'dadm-drift-reference'/);
    expect(() => drift({ reference: join(dir, 'missing.npz'), current })).toThrow(/missing\.npz: reference file must be a readable file, got ENOENT$/);
  });

  it('refuses a damaged reference member with FormatError naming file and member', () => {
    const current = writeBatch('ok2.npy', batch(100, 1));
    const cases: [string, (m: Map<string, NpyArrayLike>) => void, RegExp][] = [
      ['no-edges.npz', (m) => m.delete('edges'), /no-edges\.npz: drift reference member edges must exist, got members/],
      ['bad-shape.npz', (m) => m.set('proportions', { data: new Float64Array(10).fill(0.1), shape: [1, 10] }), /member proportions must have shape \(3, 10\), got \(1, 10\)$/],
      ['unsorted.npz', (m) => m.set('edges', { data: Float64Array.from({ length: 27 }, (_, k) => -k), shape: [3, 9] }), /member edges must be ascending per row, got a decrease in row 0 at index 1$/],
      ['nan.npz', (m) => m.set('score_threshold', { data: Float64Array.of(Number.NaN), shape: [] }), /member score_threshold must hold finite values, got NaN at index 0$/],
      ['f32.npz', (m) => m.set('floor', { data: Float32Array.of(1e-4), shape: [] }), /member floor must have dtype f8, got <f4$/],
    ];
    for (const [name, edit, pattern] of cases) {
      const path = writeReference(name, referenceParts(train), edit);
      expect(() => drift({ reference: path, current })).toThrow(FormatError);
      expect(() => drift({ reference: path, current })).toThrow(pattern);
    }
    const v2 = writeReference('v2.npz', referenceParts(train), (m) => {
      const meta = JSON.parse(new TextDecoder().decode(m.get('meta_json')!.data as Uint8Array)) as Record<string, unknown>;
      const bytes = new TextEncoder().encode(JSON.stringify({ ...meta, version: 2 }));
      m.set('meta_json', { data: bytes, shape: [bytes.length] });
    });
    expect(() => drift({ reference: v2, current })).toThrow(/v2\.npz: drift reference member meta_json\.version must be 1, got 2$/);
  });

  it('refuses bad options with InvalidOptionError', () => {
    const current = writeBatch('ok3.npy', batch(100, 1));
    expect(() => drift({ reference, current, sampleRows: 0 })).toThrow(InvalidOptionError);
    expect(() => drift({ reference, current, sampleRows: 0 })).toThrow(/^drift: sampleRows must be an integer >= 1, got 0$/);
    expect(() => drift({ reference, current, maxInvalidFraction: 1 })).toThrow(/^drift: maxInvalidFraction must be a number in \[0, 1\), got 1$/);
  });

  it('warns when fewer than 500 rows are measured', () => {
    const r = drift({ reference, current: writeBatch('tiny.npy', batch(100, 11)) });
    expect(r.warnings).toEqual([expect.stringMatching(/^only 100 rows: sampling noise alone may reach the warn levels/)]);
  });
});
