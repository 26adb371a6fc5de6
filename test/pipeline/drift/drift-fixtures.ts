/**
 * Shared fixtures of the `drift` tests: normal batches with zero padding, references built by naive
 * helpers (numpy-linear deciles, naive PSI/W1/KS written out in full), and file writers.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { writeNpyFile, writeNpzFile, type NpyArrayLike } from '../../../src/io/index.js';
import type { DriftResult } from '../../../src/pipeline/drift/drift.js';
import { driftReferenceMembers, type DriftReferenceParts } from '../../../src/pipeline/drift/reference-file.js';
import { Random } from '../../../src/tensor/index.js';

export const ACTIVE = 3;
export const COLS = 5; // 3 features + 2 zero padding columns
export const NAMES = ['alpha', 'beta', 'gamma'];

/** numpy.quantile(method='linear') of an ascending array. */
export function naiveQuantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  const g = h - lo;
  return g < 0.5 ? a + (b - a) * g : b - (b - a) * (1 - g);
}

/** Bin of x: number of edges <= x. */
export function naiveBin(edges: number[], x: number): number {
  let b = 0;
  for (const e of edges) if (e <= x) b++;
  return b;
}

export function naiveProportions(values: number[], edges: number[], floor: number | null): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) counts[naiveBin(edges, v)]!++;
  return counts.map((c) => (floor === null ? c / values.length : Math.max(c / values.length, floor)));
}

export function naivePsi(ref: number[], cur: number[], floor: number): number {
  let s = 0;
  for (let k = 0; k < ref.length; k++) {
    const c = Math.max(cur[k]!, floor);
    s += (c - ref[k]!) * Math.log(c / ref[k]!);
  }
  return s;
}

/** Empirical CDF of `sorted` at x (share of values <= x). */
export function ecdf(sorted: number[], x: number): number {
  let n = 0;
  while (n < sorted.length && sorted[n]! <= x) n++;
  return n / sorted.length;
}

/** W1 = integral of |U - V| between consecutive merged points; KS D = max |U - V| at the points. */
export function naiveW1Ks(u: number[], v: number[]): { w1: number; ks: number } {
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

export function column(rows: Float32Array, cols: number, j: number): number[] {
  return Array.from({ length: rows.length / cols }, (_, i) => rows[i * cols + j]!);
}

/** Normal features (mean 0, std 1) in the first 3 columns, zero padding after. */
export function batch(n: number, seed: number, shift: readonly number[] = [0, 0, 0]): Float32Array {
  const rng = new Random(seed);
  const x = new Float32Array(n * COLS);
  for (let i = 0; i < n; i++) for (let j = 0; j < ACTIVE; j++) x[i * COLS + j] = rng.normal(0, 1) + shift[j]!;
  return x;
}

/** A reference of `train` rows built with the naive helpers (exact deciles, sample = all rows). */
export function referenceParts(train: Float32Array): DriftReferenceParts {
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

/** Writers of reference and batch files in `dir`. */
export function driftFiles(dir: string): {
  writeReference: (name: string, parts: DriftReferenceParts, edit?: (m: Map<string, NpyArrayLike>) => void) => string;
  writeBatch: (name: string, x: Float32Array, cols?: number) => string;
} {
  return {
    writeReference(name, parts, edit) {
      const members = driftReferenceMembers(parts);
      edit?.(members);
      const path = join(dir, name);
      writeNpzFile(path, members);
      return path;
    },
    writeBatch(name, x, cols = COLS) {
      const path = join(dir, name);
      writeNpyFile(path, { data: x, shape: [x.length / cols, cols] });
      return path;
    },
  };
}

/** Checks every feature of `r` against the naive PSI, W1 and KS of `current` vs `train`. */
export function expectNaiveDrift(r: DriftResult, train: Float32Array, current: Float32Array): void {
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
