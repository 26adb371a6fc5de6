/** Thresholds, operating points and calibrations against tools/refgen/thresholds.py (NumPy, scikit-learn). */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import {
  applyCalibration, bestF1, combineScores, fitCalibration, fitThreshold, impliedFalsePositiveRate, operatingPointsAtFpr, type ThresholdSpec,
} from '../../src/stats/index.js';
import { expectError } from '../tensor/expect-error.js';

interface Point { threshold: number | null; tp: number; fp: number; precision: number; recall: number; f1: number; fpr: number }
interface Case {
  id: string;
  scores: number[];
  labels: number[];
  operating_points: (Point & { target: number })[];
  best_f1: Point;
  fit_threshold: ({ spec: ThresholdSpec; error: true } | { spec: ThresholdSpec; threshold: number; implied_fpr: number })[];
  probes: number[];
  calibration: { robust_z: { center: number; scale: number; applied: number[] }; ecdf: { applied: number[] } };
}

const ref = JSON.parse(readFileSync(new URL('../fixtures/thresholds.json', import.meta.url), 'utf8')) as { meta: { fprs: number[] }; cases: Case[] };

function expectPoint(got: Point, want: Point): void {
  expect(got.threshold).toBe(want.threshold ?? -Infinity);
  expect([got.tp, got.fp]).toEqual([want.tp, want.fp]);
  expect([got.precision, got.recall, got.f1, got.fpr]).toBeAllclose([want.precision, want.recall, want.f1, want.fpr], { rtol: 1e-12, atol: 1e-15 });
}

describe.each(ref.cases)('against scikit-learn / NumPy: $id', (c) => {
  const scores = Float64Array.from(c.scores);

  it('operatingPointsAtFpr gives the lowest threshold within each FPR budget and its precision/recall/F1', () => {
    const got = operatingPointsAtFpr(scores, c.labels, ref.meta.fprs);
    c.operating_points.forEach((want, i) => expectPoint(got[i]!, want));
  });

  it('bestF1 finds the F1-maximising cut point (highest threshold on ties)', () => {
    expectPoint(bestF1(scores, c.labels), c.best_f1);
  });

  it('fitThreshold follows numpy quantiles and the conformal order statistic', () => {
    for (const want of c.fit_threshold) {
      if ('error' in want) {
        expectError(() => fitThreshold(scores, want.spec), DataError, /^fitThreshold: target_fpr .* must be at least 1 \/ \(n \+ 1\)/);
        continue;
      }
      const got = fitThreshold(scores, want.spec);
      expect(got.threshold).toBeCloseTo(want.threshold, 12);
      expect(got.impliedFpr).toBeCloseTo(want.implied_fpr, 15);
      expect(impliedFalsePositiveRate(scores, got.threshold)).toBe(got.impliedFpr);
    }
  });

  it('calibrations: robust z by median / (1.4826 MAD) and the empirical CDF #{t < s} / n', () => {
    const probes = Float64Array.from(c.probes);
    const z = fitCalibration(scores, 'robust-z');
    expect(z).toEqual({ method: 'robust-z', center: expect.closeTo(c.calibration.robust_z.center, 12), scale: expect.closeTo(c.calibration.robust_z.scale, 12) });
    expect(applyCalibration(z, probes)).toBeAllclose(c.calibration.robust_z.applied, { rtol: 1e-12, atol: 1e-12 });
    expect(Array.from(applyCalibration(fitCalibration(scores, 'ecdf'), probes))).toEqual(c.calibration.ecdf.applied);
  });
});

describe('conformal target_fpr', () => {
  it('computes k = ceil((n + 1)(1 - fpr)) exactly where float64 rounding would give one less', () => {
    const scores = Float64Array.from({ length: 63 }, (_, i) => i + 1);
    // 64 * (1 - 0.49999999999999994) rounds to exactly 32 in float64; the true value is just above.
    expect(fitThreshold(scores, { method: 'target_fpr', fpr: 0.49999999999999994 }).threshold).toBe(33);
    expect(fitThreshold(scores, { method: 'target_fpr', fpr: 0.5 }).threshold).toBe(32);
  });

  it('property: a new score exchangeable with the fitting scores exceeds the threshold with probability <= fpr', () => {
    // Leave-one-out over distinct scores: the exact exchangeability argument, checked by counting.
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 20, maxLength: 80 }), fc.double({ min: 0.05, max: 0.5, noNaN: true }), (values, fpr) => {
        let exceed = 0;
        for (let i = 0; i < values.length; i++) {
          const rest = Float64Array.from(values.filter((_, k) => k !== i));
          if (values[i]! > fitThreshold(rest, { method: 'target_fpr', fpr }).threshold) exceed++;
        }
        expect(exceed / values.length).toBeLessThanOrEqual(fpr);
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});

describe('threshold and calibration errors', () => {
  const s = Float64Array.from([1, 2, 3]);
  it('refuses bad specs, empty or non-finite scores', () => {
    expectError(() => fitThreshold(s, { method: 'quantile', q: 1.5 }), InvalidOptionError, /^fitThreshold: q must be a number in \[0, 1\], got 1\.5$/);
    expectError(() => fitThreshold(s, { method: 'contamination', rate: 0.7 }), InvalidOptionError, /^fitThreshold: rate must be a number in \(0, 0\.5\], got 0\.7$/);
    expectError(() => fitThreshold(s, { method: 'target_fpr', fpr: 1 }), InvalidOptionError, /^fitThreshold: fpr must be a number in \(0, 1\), got 1$/);
    expectError(() => fitThreshold(s, { method: 'top' } as never), InvalidOptionError, /^fitThreshold: method must be 'quantile', 'contamination' or 'target_fpr', got "top"$/);
    expectError(() => fitThreshold(new Float64Array(0), { method: 'quantile', q: 0.5 }), DataError, /^fitThreshold: scores must have at least 1 value, got 0$/);
    expectError(() => impliedFalsePositiveRate(s, NaN), DataError, /^impliedFalsePositiveRate: threshold must be a finite number, got NaN$/);
    expectError(() => fitCalibration(Float64Array.from([1, NaN]), 'robust-z'), DataError, /^fitCalibration: scores\[1\] must be finite, got NaN$/);
    expectError(() => fitCalibration(s, 'rank' as never), InvalidOptionError, /^fitCalibration: method must be 'robust-z' or 'ecdf', got "rank"$/);
    expectError(() => operatingPointsAtFpr(s, [1, 1, 1], [0.1]), DataError, /^operatingPointsAtFpr: labels must contain at least one negative/);
    expectError(() => operatingPointsAtFpr(s, [0, 1, 0], [1]), InvalidOptionError, /^operatingPointsAtFpr: fprs\[0\] must be a number in \[0, 1\), got 1$/);
    expectError(() => bestF1(s, [0, 0, 0]), DataError, /^bestF1: labels must contain at least one positive, got 0 of 3$/);
  });

  it('robust z falls back to the mean absolute deviation when most scores tie, and to 1 when all do', () => {
    // MAD = 0 (eight zeros); mean |s - 0| = 0.3, times sqrt(pi / 2).
    expect(fitCalibration(Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 2]), 'robust-z')).toEqual({ method: 'robust-z', center: 0, scale: expect.closeTo(0.3 * Math.sqrt(Math.PI / 2), 12) });
    expect(fitCalibration(Float64Array.from([5, 5, 5]), 'robust-z')).toEqual({ method: 'robust-z', center: 5, scale: 1 });
  });

  it('ecdf tolerance merges steps and keeps the values within the tolerance', () => {
    const many = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 100);
    const exact = fitCalibration(many, 'ecdf');
    const merged = fitCalibration(many, 'ecdf', { tolerance: 0.01 });
    if (exact.method !== 'ecdf' || merged.method !== 'ecdf') throw new Error('ecdf expected');
    expect(merged.thresholds.length).toBeLessThan(exact.thresholds.length / 10);
    const a = applyCalibration(exact, many);
    const b = applyCalibration(merged, many);
    for (let i = 0; i < many.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(0.01 + 1e-12);
  });
});

describe('combineScores', () => {
  it('takes the row-wise mean or maximum of the members', () => {
    const a = Float64Array.from([1, -2, 3]);
    const b = Float64Array.from([3, 0, -1]);
    expect(Array.from(combineScores([a, b], 'mean'))).toEqual([2, -1, 1]);
    expect(Array.from(combineScores([a, b], 'max'))).toEqual([3, 0, 3]);
    expect(Array.from(combineScores([a], 'mean'))).toEqual([1, -2, 3]);
  });
  it('refuses no members, unequal lengths and unknown rules', () => {
    expectError(() => combineScores([], 'mean'), ShapeError, /^combineScores: members must hold at least 1 score array, got 0$/);
    expectError(() => combineScores([new Float64Array(2), new Float64Array(3)], 'mean'), ShapeError, /^combineScores: members must have equal lengths, got 2 and 3 \(member 1\)$/);
    expectError(() => combineScores([new Float64Array(2)], 'median' as never), InvalidOptionError, /^combineScores: rule must be 'mean' or 'max', got "median"$/);
  });
});
