import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataError, NotFittedError, ShapeError } from '../../src/errors.js';
import { IsolationForest } from '../../src/iforest/index.js';
import { lcgMatrix, naiveScoreSamples, percentileRef } from './helpers.js';
import { expectError } from '../tensor/expect-error.js';

const FC = { seed: 42, numRuns: 40 };
const mat = (data: Float32Array, rows: number, cols: number) => ({ data, shape: [rows, cols] as const });

/** Shapes first, then float32-exact values. */
const dataArb = (minRows: number) =>
  fc.record({ rows: fc.integer({ min: minRows, max: 60 }), cols: fc.integer({ min: 1, max: 5 }) }).chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      values: fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { minLength: rows * cols, maxLength: rows * cols }),
      seed: fc.nat({ max: 1000 }),
    }),
  );

describe('IsolationForest', () => {
  afterEach(() => vi.restoreAllMocks());

  it('throws NotFittedError from every scoring method before fit', () => {
    const m = new IsolationForest();
    const x = mat(new Float32Array(4), 2, 2);
    expect(m.isFitted).toBe(false);
    for (const call of [() => m.scoreSamples(x), () => m.decisionFunction(x), () => m.predict(x), () => m.anomalyScore(x), () => m.toArrays(), () => m.offset]) {
      expectError(call, NotFittedError, /^IsolationForest\.\w+: the model must be fitted first/);
    }
  });

  it('fit returns the model itself', () => {
    const m = new IsolationForest({ nEstimators: 3 });
    expect(m.fit(mat(lcgMatrix(10, 2, 1), 10, 2))).toBe(m);
    expect(m.isFitted).toBe(true);
  });

  it('property: anomalyScore is in (0, 1] and the other outputs follow its sign conventions', () => {
    fc.assert(
      fc.property(dataArb(2), fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 5, maxLength: 5 }), (d, q) => {
        const m = new IsolationForest({ nEstimators: 10, seed: d.seed }).fit(mat(Float32Array.from(d.values), d.rows, d.cols));
        const queries = new Float32Array(5 * d.cols);
        for (let i = 0; i < queries.length; i++) queries[i] = i < d.values.length && i % 2 ? d.values[i]! : q[i % 5]!;
        const x = mat(queries, 5, d.cols);
        const a = m.anomalyScore(x);
        const s = m.scoreSamples(x);
        const dec = m.decisionFunction(x);
        const p = m.predict(x);
        for (let i = 0; i < 5; i++) {
          expect(a[i]).toBeGreaterThan(0);
          expect(a[i]).toBeLessThanOrEqual(1);
          expect(s[i]).toBe(-a[i]!);
          expect(dec[i]).toBe(s[i]! - m.offset);
          expect(p[i]).toBe(dec[i]! < 0 ? -1 : 1);
        }
      }),
      FC,
    );
  });

  it('property: a point far outside the data scores higher than the median point', () => {
    fc.assert(
      fc.property(dataArb(30), (d) => {
        const data = Float32Array.from(d.values);
        const median = new Float32Array(d.cols);
        const far = new Float32Array(d.cols);
        for (let c = 0; c < d.cols; c++) {
          const col = Array.from({ length: d.rows }, (_, r) => data[r * d.cols + c]!).sort((a, b) => a - b);
          median[c] = col[d.rows >> 1]!;
          far[c] = col[d.rows - 1]! + 10 * (col[d.rows - 1]! - col[0]! + 1);
        }
        const m = new IsolationForest({ nEstimators: 50, seed: d.seed }).fit(mat(data, d.rows, d.cols));
        const [farScore, medianScore] = m.anomalyScore(mat(Float32Array.from([...far, ...median]), 2, d.cols));
        expect(farScore).toBeGreaterThan(medianScore!);
      }),
      FC,
    );
  });

  it('property: the same seed gives identical forests and scores, another seed other trees', () => {
    fc.assert(
      fc.property(dataArb(20), (d) => {
        const x = mat(Float32Array.from(d.values), d.rows, d.cols);
        const a = new IsolationForest({ nEstimators: 8, seed: d.seed }).fit(x);
        const b = new IsolationForest({ nEstimators: 8, seed: d.seed }).fit(x);
        const c = new IsolationForest({ nEstimators: 8, seed: d.seed + 1 }).fit(x);
        expect(b.scoreSamples(x)).toEqual(a.scoreSamples(x));
        expect(b.toArrays()).toEqual(a.toArrays());
        fc.pre(new Set(d.values).size > 3);
        expect(c.toArrays().arrays.threshold).not.toEqual(a.toArrays().arrays.threshold);
      }),
      FC,
    );
  });

  it('scores exactly what the reference algorithm gives on its own arrays (subsampled features, bootstrap)', () => {
    const x = mat(lcgMatrix(400, 7, 5), 400, 7);
    for (const o of [{ maxFeatures: 0.5 }, { bootstrap: true, maxSamples: 0.5 }, {}]) {
      const m = new IsolationForest({ nEstimators: 25, seed: 9, ...o }).fit(x);
      const { arrays, meta } = m.toArrays();
      const q = lcgMatrix(50, 7, 77).map((v, i) => (i % 9 === 0 ? v * 10 : v));
      expect(m.scoreSamples(mat(q, 50, 7))).toBeAllclose(naiveScoreSamples(arrays, meta, q, 7), { rtol: 0, atol: 1e-12 });
    }
  });

  it('sets offset to the linear contamination percentile of the training scores', () => {
    const x = mat(lcgMatrix(300, 3, 2), 300, 3);
    const m = new IsolationForest({ nEstimators: 20, contamination: 0.1 }).fit(x);
    const s = m.scoreSamples(x);
    expect(m.offset).toBeCloseTo(percentileRef(s, 10), 14);
    const outliers = Array.from(m.predict(x)).filter((p) => p === -1).length;
    expect(outliers).toBe(Array.from(s).filter((v) => v < percentileRef(s, 10)).length);
    expect(Math.abs(outliers - 30)).toBeLessThanOrEqual(1);
    expect(new IsolationForest({ nEstimators: 5 }).fit(x).offset).toBe(-0.5);
  });

  it('never splits on constant columns; with every column constant each score is exactly 0.5', () => {
    const rows = 40;
    const data = lcgMatrix(rows, 3, 4);
    for (let r = 0; r < rows; r++) data[r * 3 + 1] = -2;
    const some = new IsolationForest({ nEstimators: 20 }).fit(mat(data, rows, 3)).toArrays();
    // maxFeatures is all columns, so tree feature indices are columns of X.
    expect(Array.from(some.arrays.features.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(some.arrays.feature.includes(1)).toBe(false);
    expect(some.arrays.feature.includes(0) && some.arrays.feature.includes(2)).toBe(true);
    const flat = new IsolationForest({ nEstimators: 10 }).fit(mat(new Float32Array(rows * 3).fill(5), rows, 3));
    expect(flat.toArrays().arrays.childrenLeft.every((v) => v === -1)).toBe(true);
    expect(Array.from(flat.anomalyScore(mat(Float32Array.from([5, 5, 5, 100, -100, 0]), 2, 3)))).toEqual([0.5, 0.5]);
  });

  it('clips maxSamples to the rows with a recorded (never printed) warning, like scikit-learn', () => {
    const spies = (['log', 'warn', 'error', 'info'] as const).map((k) => vi.spyOn(console, k));
    const x = mat(lcgMatrix(100, 2, 3), 100, 2);
    const m = new IsolationForest({ nEstimators: 5, maxSamples: 256 }).fit(x);
    expect(m.maxSamples).toBe(100);
    expect(m.warnings).toEqual([
      'IsolationForest.fit: maxSamples (256) is greater than the total number of samples (100). maxSamples will be set to n_samples for estimation.',
    ]);
    const auto = new IsolationForest({ nEstimators: 5 }).fit(x);
    expect(auto.maxSamples).toBe(100);
    expect(auto.warnings).toEqual([]);
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });

  describe('bad input', () => {
    const fitted = new IsolationForest({ nEstimators: 5 }).fit(mat(lcgMatrix(20, 4, 1), 20, 4));

    it('throws DataError for empty data and for a single row at fit', () => {
      const m = new IsolationForest();
      expectError(() => m.fit(mat(new Float32Array(0), 0, 4)), DataError, /^IsolationForest\.fit: X must have at least 2 rows, got 0$/);
      expectError(() => m.fit(mat(new Float32Array(0), 5, 0)), DataError, /^IsolationForest\.fit: X must have at least 1 column, got 0$/);
      expectError(() => m.fit(mat(new Float32Array(3), 1, 3)), DataError, /^IsolationForest\.fit: X must have at least 2 rows, got 1$/);
    });

    it('throws DataError naming the row and column of a NaN or Inf, at fit and at scoring', () => {
      const data = lcgMatrix(10, 4, 2);
      data[3 * 4 + 1] = NaN;
      expectError(() => new IsolationForest().fit(mat(data, 10, 4)), DataError, /^IsolationForest\.fit: X row 3, column 1 must be finite, got NaN$/);
      const q = new Float32Array(8);
      q[7] = -Infinity;
      expectError(() => fitted.scoreSamples(mat(q, 2, 4)), DataError, /^IsolationForest\.scoreSamples: X row 1, column 3 must be finite, got -Infinity$/);
      expectError(() => fitted.predict(mat(q, 2, 4)), DataError, /^IsolationForest\.predict: X row 1, column 3 must be finite, got -Infinity$/);
    });

    it('throws ShapeError naming both widths when scoring data of another width', () => {
      expectError(() => fitted.anomalyScore(mat(new Float32Array(9), 3, 3)), ShapeError, /^IsolationForest\.anomalyScore: X must have 4 columns as at fit, got 3$/);
    });

    it('throws ShapeError when data length and shape disagree, DataError for a non-Float32Array', () => {
      expectError(() => fitted.scoreSamples(mat(new Float32Array(7), 2, 4)), ShapeError, /^IsolationForest\.scoreSamples: X\.data must hold rows \* cols = 8 values for shape \[2,4\], got 7$/);
      const f64 = { data: new Float64Array(8) as unknown as Float32Array, shape: [2, 4] as const };
      expectError(() => fitted.scoreSamples(f64), DataError, /^IsolationForest\.scoreSamples: X\.data must be a Float32Array, got \[object Float64Array\]$/);
    });

    it('scores zero rows to an empty result', () => {
      expect(fitted.scoreSamples(mat(new Float32Array(0), 0, 4)).length).toBe(0);
    });
  });
});
