/** Bad input to src/stats: typed errors with the "<where>: <what> must <constraint>, got <actual>" shape. */
import { describe, expect, it } from 'vitest';
import { expectError } from '../tensor/expect-error.js';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import {
  averagePrecision,
  binCounts,
  compareToReference,
  driftVerdict,
  ks2samp,
  psi,
  psiFromProportions,
  quantile,
  rankData,
  rocAuc,
  spearman,
  summarizeReference,
  wasserstein1,
  type Ks2sampOptions,
} from '../../src/stats/index.js';

const f = (...v: number[]) => Float64Array.from(v);


describe('empty inputs', () => {
  it('throw DataError naming the argument', () => {
    expectError(() => quantile(f(), 0.5), DataError, /^quantile: data must have at least 1 value, got 0$/);
    expectError(() => psi(f(1), f()), DataError, /^psi: current must have at least 1 value, got 0$/);
    expectError(() => wasserstein1(f(), f(1)), DataError, /^wasserstein1: u must have at least 1 value, got 0$/);
    expectError(() => ks2samp(f(1), f()), DataError, /^ks2samp: data2 must have at least 1 value, got 0$/);
    expectError(() => spearman(f(1), f(1)), DataError, /^spearman: a must have at least 2 values, got 1$/);
  });
});

describe('NaN and Infinity', () => {
  it('are refused with DataError naming the index', () => {
    expectError(() => quantile(f(1, NaN), 0.5), DataError, /^quantile: data\[1\] must be finite, got NaN$/);
    expectError(() => psi(f(1, 2), f(0, 0, Infinity)), DataError, /^psi: current\[2\] must be finite, got Infinity$/);
    expectError(() => wasserstein1(f(1), f(-Infinity)), DataError, /^wasserstein1: v\[0\] must be finite, got -Infinity$/);
    expectError(() => ks2samp(Float32Array.of(NaN), f(1)), DataError, /^ks2samp: data1\[0\] must be finite, got NaN$/);
    expectError(() => rankData(f(0, NaN)), DataError, /^rankData: data\[1\] must be finite, got NaN$/);
    expectError(() => binCounts(f(1), f(0, NaN)), DataError, /^binCounts: edges\[1\] must be finite, got NaN$/);
  });
});

describe('weights', () => {
  it('of the wrong length throw ShapeError', () => {
    expectError(() => wasserstein1(f(1, 2), f(3), f(1)), ShapeError, /^wasserstein1: uWeights must have one weight per value \(2\), got 1$/);
  });
  it('negative, non-finite or all zero throw DataError', () => {
    expectError(() => wasserstein1(f(1, 2), f(3), f(1, -1)), DataError, /^wasserstein1: uWeights\[1\] must be finite and >= 0, got -1$/);
    expectError(() => wasserstein1(f(1), f(3), undefined, f(NaN)), DataError, /^wasserstein1: vWeights\[0\] must be finite and >= 0, got NaN$/);
    expectError(() => wasserstein1(f(1, 2), f(3), f(0, 0)), DataError, /^wasserstein1: uWeights must have a positive sum, got 0$/);
  });
});

describe('options', () => {
  it('out of range throw InvalidOptionError', () => {
    expectError(() => quantile(f(1), [0.5, 1.5]), InvalidOptionError, /^quantile: q\[1\] must be a number in \[0, 1\], got 1.5$/);
    expectError(() => psi(f(1), f(1), { bins: 1 }), InvalidOptionError, /^psi: option 'bins' must be an integer in \[2, 1e6\], got 1$/);
    expectError(() => psi(f(1), f(1), { floor: 0 }), InvalidOptionError, /^psi: option 'floor' must be a number in \(0, 1\), got 0$/);
    const bad = { method: 'fast' } as unknown as Ks2sampOptions;
    expectError(() => ks2samp(f(1), f(2), bad), InvalidOptionError, /^ks2samp: option 'method' must be 'auto', 'exact' or 'asymp', got fast$/);
    expectError(() => summarizeReference(f(1), { sampleSize: 0 }), InvalidOptionError, /^summarizeReference: option 'sampleSize' must be an integer >= 1, got 0$/);
    expectError(
      () => driftVerdict({ psi: 0.2 }, { psi: { warn: 0.3, retrain: 0.2 } }),
      InvalidOptionError,
      /^driftVerdict: thresholds.psi must satisfy 0 <= warn <= retrain, got warn 0.3, retrain 0.2$/,
    );
  });
});

describe('shapes and labels', () => {
  it('mismatched lengths throw ShapeError', () => {
    expectError(() => spearman(f(1, 2), f(1, 2, 3)), ShapeError, /^spearman: a and b must have the same length, got 2 and 3$/);
    expectError(() => rocAuc(f(1, 2), [1]), ShapeError, /^rocAuc: labels must have one entry per score \(2\), got 1$/);
    expectError(() => psiFromProportions(f(0.5, 0.5), f(1)), ShapeError, /^psiFromProportions: pRef and pCur must have the same non-zero length, got 2 and 1$/);
    expectError(() => binCounts(f(1), f(2, 1)), ShapeError, /^binCounts: edges must be ascending, got edges\[0\]=2 > edges\[1\]=1$/);
  });
  it('bad or one-class labels throw DataError', () => {
    expectError(() => rocAuc(f(1, 2), [1, 2]), DataError, /^rocAuc: labels\[1\] must be 0 or 1, got 2$/);
    expectError(() => rocAuc(f(1, 2), [1, 1]), DataError, /^rocAuc: labels must contain both classes, got 2 positive and 0 negative$/);
    expectError(() => averagePrecision(f(1, 2), [0, 0]), DataError, /^averagePrecision: labels must contain at least one positive, got 0 of 2$/);
  });
  it('a malformed reference summary throws', () => {
    const s = summarizeReference(f(1, 2, 3, 4));
    expectError(() => compareToReference({ ...s, proportions: f(1) }, f(1)), ShapeError, /^compareToReference: summary.proportions must have edges.length \+ 1 = 10 entries, got 1$/);
    expectError(() => compareToReference({ ...s, sample: f(2, 1) }, f(1)), DataError, /^compareToReference: summary.sample must be ascending, got a decrease at index 1$/);
  });
});

describe('structured fields', () => {
  it('name the argument, the index and the op where the message does', () => {
    const nan = expectError(() => binCounts(f(1), f(0, NaN)), DataError, /^binCounts: edges\[1\] must be finite, got NaN$/);
    expect([nan.source, nan.index]).toEqual(['edges', 1]);
    const p = expectError(() => psiFromProportions(f(0.5, 1.5), f(0.5, 0.5)), DataError, /^psiFromProportions: pRef\[1\] must be in \[0, 1\], got 1\.5$/);
    expect([p.source, p.index, p.row]).toEqual(['pRef', 1, undefined]);
    const s = expectError(() => psiFromProportions(f(0.5, 0.5), f(1)), ShapeError, /^psiFromProportions: pRef and pCur must have the same non-zero length/);
    expect([s.op, s.shapes]).toEqual(['psiFromProportions', [[2], [1]]]);
  });
});
