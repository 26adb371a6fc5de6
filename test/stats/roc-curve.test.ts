/** ROC and precision–recall curves against scikit-learn 1.2.1 (tools/roc-curves-reference.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError, ShapeError } from '../../src/errors.js';
import { precisionRecallCurve, rocAuc, rocCurve } from '../../src/stats/index.js';
import { expectError } from '../tensor/expect-error.js';

interface Curve3 {
  [k: string]: number[];
}
interface Case {
  name: string;
  scores: number[];
  labels: number[];
  roc: Curve3;
  roc_all: Curve3;
  pr: Curve3;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/roc_curves.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** The values as numbers, -0 as 0: tied scores 0 and -0 are the same threshold, and either may represent it. */
const plain = (a: ArrayLike<number>): number[] => Array.from(a, (v) => v + 0);

/** Trapezoid area under (x, y). */
function trapezoid(x: Float64Array, y: Float64Array): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return a;
}

describe('rocCurve', () => {
  for (const c of fixture.cases) {
    it(`equals sklearn roc_curve on ${c.name} (with and without drop_intermediate)`, () => {
      const scores = Float32Array.from(c.scores);
      for (const [ref, dropIntermediate] of [[c.roc, true], [c.roc_all, false]] as const) {
        const got = rocCurve(scores, c.labels, { dropIntermediate });
        expect(Array.from(got.fpr)).toEqual(ref.fpr);
        expect(Array.from(got.tpr)).toEqual(ref.tpr);
        expect(got.thresholds[0]).toBe(Infinity);
        expect(plain(got.thresholds.subarray(1))).toEqual(plain(ref.thresholds!.slice(1)));
      }
    });
  }

  it('has the area rocAuc computes (dropping points keeps the area)', () => {
    const c = fixture.cases.find((k) => k.name === 'ties_300')!;
    const scores = Float32Array.from(c.scores);
    const curve = rocCurve(scores, c.labels);
    expect(trapezoid(curve.fpr, curve.tpr)).toBeCloseTo(rocAuc(scores, c.labels), 12);
    expect(curve.fpr.length).toBeLessThan(rocCurve(scores, c.labels, { dropIntermediate: false }).fpr.length);
  });

  it('throws DataError when only one class is present', () => {
    expectError(() => rocCurve(Float32Array.of(0.1, 0.2), [1, 1]), DataError, /^rocCurve: labels must contain both classes, got 2 positive and 0 negative$/);
  });

  it('throws ShapeError when lengths differ and DataError for a NaN score', () => {
    expectError(() => rocCurve(Float32Array.of(0.1, 0.2), [0, 1, 1]), ShapeError, /^rocCurve: labels must have one entry per score \(2\), got 3$/);
    expectError(() => rocCurve(Float32Array.of(0.1, NaN), [0, 1]), DataError, /^rocCurve: scores\[1\] must be finite, got NaN$/);
  });
});

describe('precisionRecallCurve', () => {
  for (const c of fixture.cases) {
    it(`equals sklearn precision_recall_curve on ${c.name}`, () => {
      const got = precisionRecallCurve(Float32Array.from(c.scores), c.labels);
      expect(Array.from(got.precision)).toEqual(c.pr.precision);
      expect(Array.from(got.recall)).toEqual(c.pr.recall);
      expect(plain(got.thresholds)).toEqual(plain(c.pr.thresholds!));
    });
  }

  it('throws DataError without a positive label', () => {
    expectError(() => precisionRecallCurve(Float32Array.of(0.1, 0.2), [0, 0]), DataError, /^precisionRecallCurve: labels must contain at least one positive, got 0 of 2$/);
  });
});
