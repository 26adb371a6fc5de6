import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError, FormatError, InvalidOptionError, NotFittedError, ShapeError } from '../../src/errors.js';
import { ECOD } from '../../src/ecod/index.js';
import { Random } from '../../src/tensor/index.js';
import { loadNpy } from '../iforest/load-npy.js';
import { expectError } from '../tensor/expect-error.js';
import { column, naiveFeatureScore, naiveSkewSign } from './helpers.js';

interface EcodCase {
  id: string;
  rows: number;
  cols: number;
  kept_columns?: number[];
  skew_sign: number[];
  decision_scores: number[];
  X?: number[][];
}

const fixtures = new URL('../fixtures/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('ecod.json', fixtures), 'utf8')) as { cases: EcodCase[] };
const mat = (data: Float32Array, rows: number, cols: number) => ({ data, shape: [rows, cols] as const });

/** The case's matrix as float32 (the ODDS files are float32; ties_200x5 is rounded, see below). */
function caseMatrix(c: EcodCase): Float32Array {
  if (c.X) return Float32Array.from(c.X.flat());
  const X = loadNpy(new URL(`data/${c.id}_X.npy`, fixtures).pathname);
  const all = X.shape[1]!;
  const kept = c.kept_columns!;
  const out = new Float32Array(c.rows * kept.length);
  for (let r = 0; r < c.rows; r++) kept.forEach((k, j) => (out[r * kept.length + j] = X.data[r * all + k]!));
  return out;
}

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  return new Random(seed).normalFill(new Float32Array(rows * cols));
}

describe('ECOD training scores against the float64 reference (shared/reference/ecod.json)', () => {
  for (const c of reference.cases) {
    it(`${c.id}: ${c.rows} x ${c.cols} scores equal the reference to 1e-9 relative, skew signs equal`, () => {
      const data = caseMatrix(c);
      if (c.X) {
        // ECOD depends only on each column's ranks, ties and skewness sign; rounding the float64 matrix
        // to float32 must keep all three for this comparison to be valid.
        for (let j = 0; j < c.cols; j++) {
          const f64 = c.X.map((row) => row[j]!);
          const f32 = column(data, c.cols, j);
          expect(new Set(f32).size).toBe(new Set(f64).size);
          expect(f64.map((v, i) => [v, i]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!).map((p) => p[1]))
            .toEqual(f32.map((v, i) => [v, i]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!).map((p) => p[1]));
        }
      }
      const m = new ECOD().fit(mat(data, c.rows, c.cols));
      expect([...m.skewSigns]).toEqual(c.skew_sign);
      const got = m.anomalyScore(mat(data, c.rows, c.cols));
      let worst = 0;
      c.decision_scores.forEach((ref, i) => (worst = Math.max(worst, Math.abs(got[i]! - ref) / Math.abs(ref))));
      expect(worst, `largest relative difference ${worst}`).toBeLessThanOrEqual(1e-9);
    });
  }
});

describe('ECOD', () => {
  it('throws NotFittedError from every method before fit', () => {
    const m = new ECOD();
    const x = mat(new Float32Array(4), 2, 2);
    expect(m.isFitted).toBe(false);
    for (const call of [() => m.anomalyScore(x), () => m.scoreSamples(x), () => m.featureScores(x), () => m.toArrays(), () => m.nFeaturesIn, () => m.skewSigns]) {
      expectError(call, NotFittedError, /^ECOD\.\w+: the model must be fitted first/);
    }
  });

  it('fit returns the model itself; scoreSamples is -anomalyScore; featureScores sum to anomalyScore', () => {
    const x = mat(randomMatrix(50, 3, 1), 50, 3);
    const m = new ECOD();
    expect(m.fit(x)).toBe(m);
    expect(m.nFeaturesIn).toBe(3);
    expect(m.nSamples).toBe(50);
    const s = m.anomalyScore(x);
    expect(Array.from(m.scoreSamples(x))).toEqual(Array.from(s, (v) => -v));
    const f = m.featureScores(x);
    for (let r = 0; r < 50; r++) expect(f[r * 3]! + f[r * 3 + 1]! + f[r * 3 + 2]!).toBe(s[r]);
  });

  it('scores new rows (inside, between and beyond the training values) as docs/ecod.md states', () => {
    const rows = 40;
    const train = Float32Array.from(randomMatrix(rows, 2, 3), (v, i) => (i % 2 ? Math.round(v * 2) : v));
    const m = new ECOD().fit(mat(train, rows, 2));
    const probes = [-9, -2.5, -1, -0.5, 0, 0.25, 0.5, 1, 1.5, 2.5, 9, train[0]!, train[1]!, train[10]!, train[11]!].map(Math.fround);
    const x = new Float32Array(probes.length * 2);
    probes.forEach((p, i) => ((x[2 * i] = p), (x[2 * i + 1] = p)));
    const got = m.featureScores(mat(x, probes.length, 2));
    for (let j = 0; j < 2; j++) {
      const col = column(train, 2, j);
      expect(m.skewSigns[j]).toBe(naiveSkewSign(col));
      probes.forEach((p, i) => expect(got[2 * i + j]).toBeCloseTo(naiveFeatureScore(col, p, m.skewSigns[j]!), 12));
    }
  });

  it('toArrays / fromArrays round-trips and the copies share no buffers', () => {
    const x = mat(randomMatrix(30, 4, 5), 30, 4);
    const m = new ECOD().fit(x);
    const cp = m.toArrays();
    const back = ECOD.fromArrays(cp);
    expect(Array.from(back.anomalyScore(x))).toEqual(Array.from(m.anomalyScore(x)));
    expect(back.toArrays()).toEqual(cp);
    cp.arrays.values.fill(0);
    expect(Array.from(back.anomalyScore(x))).toEqual(Array.from(m.anomalyScore(x)));
    expect(cp.meta).toMatchObject({ format: 'dadm.ecod', version: 1, nFeaturesIn: 4, nSamples: 30, options: { tolerance: 0 } });
  });

  it('tolerance merges steps: fewer thresholds, every score within nFeatures * tolerance', () => {
    const rows = 2000;
    const x = mat(randomMatrix(rows, 3, 7), rows, 3);
    const exact = new ECOD().fit(x);
    const merged = new ECOD({ tolerance: 0.01 }).fit(x);
    expect(merged.toArrays().arrays.thresholds.length).toBeLessThan(exact.toArrays().arrays.thresholds.length / 3);
    const a = exact.anomalyScore(x);
    const b = merged.anomalyScore(x);
    for (let i = 0; i < rows; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(3 * 0.01 + 1e-12);
  });

  it('refuses bad data with typed errors naming the column', () => {
    const m = new ECOD();
    expectError(() => m.fit(mat(Float32Array.from([1, 2, 1, 4, 1, 7]), 3, 2)), DataError, /^ECOD\.fit: X column 0 must not be constant \(its skewness is undefined\), got every value 1$/);
    expectError(() => m.fit(mat(Float32Array.from([1, 2]), 1, 2)), DataError, /^ECOD\.fit: X must have at least 2 rows, got 1$/);
    expectError(() => m.fit(mat(Float32Array.from([1, 2, NaN, 4]), 2, 2)), DataError, /^ECOD\.fit: X row 1, column 0 must be finite, got NaN$/);
    expectError(() => m.fit(mat(new Float32Array(5), 2, 2)), ShapeError, /^ECOD\.fit: X\.data must hold rows \* cols = 4 values/);
    m.fit(mat(Float32Array.from([1, 2, 3, 5]), 2, 2));
    expectError(() => m.anomalyScore(mat(new Float32Array(3), 1, 3)), ShapeError, /^ECOD\.anomalyScore: X must have 2 columns as at fit, got 3$/);
    expectError(() => m.featureScores(mat(Float32Array.from([Infinity, 0]), 1, 2)), DataError, /^ECOD\.featureScores: X row 0, column 0 must be finite, got Infinity$/);
  });

  it('refuses bad options in scikit-learn wording', () => {
    expectError(() => new ECOD({ tolerance: -1 }), InvalidOptionError, /^The 'tolerance' option of ECOD must be a number in \[0, 1\]\. Got -1 instead\.$/);
    expectError(() => new ECOD({ contamination: 0.1 } as never), InvalidOptionError, /^ECOD: option names must be one of tolerance, got 'contamination'$/);
  });

  it('fromArrays refuses inconsistent checkpoints with FormatError', () => {
    const cp = new ECOD().fit(mat(randomMatrix(10, 2, 9), 10, 2)).toArrays();
    const broken = (edit: (c: ReturnType<typeof structuredClone<typeof cp>>) => void) => {
      const c = structuredClone(cp);
      edit(c);
      return () => ECOD.fromArrays(c);
    };
    expectError(broken((c) => ((c.meta as { format: string }).format = 'x')), FormatError, /^ECOD\.fromArrays: meta\.format\/version must be 'dadm\.ecod'\/1, got x\/1$/);
    expectError(broken((c) => (c.meta.skewSigns = [2, 0])), FormatError, /meta\.skewSigns must hold nFeaturesIn = 2 values/);
    expectError(broken((c) => (c.arrays.offsets[1] = 0)), FormatError, /feature 0 thresholds|feature 1 thresholds/);
    expectError(broken((c) => (c.arrays.values[0] = -1)), FormatError, /^ECOD\.fromArrays: feature 0 values must be >= 0, got -1 at step 0$/);
    expectError(broken((c) => c.arrays.thresholds.reverse()), FormatError, /thresholds must be strictly ascending/);
    expectError(broken((c) => (c.arrays.values = c.arrays.values.slice(1))), FormatError, /arrays\.values must have thresholds\.length \+ nFeaturesIn/);
  });
});
