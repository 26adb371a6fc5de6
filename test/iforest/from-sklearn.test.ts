import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { IsolationForest } from '../../src/iforest/index.js';
import { percentileRef } from './helpers.js';
import { loadReferenceForest as load, referenceForests, type RefForest, type RefMatrix } from './reference-forests.js';
import { expectError } from '../tensor/expect-error.js';

const matrix = (t: RefMatrix) => ({ data: Float32Array.from(t.data), shape: t.shape });

/** Asserts that `m` reproduces every reference output of forest `f`. */
function expectReproduces(m: IsolationForest, f: RefForest): void {
  const x = matrix(f.test_X);
  expect(m.scoreSamples(x)).toBeAllclose(f.score_samples, { rtol: 0, atol: 1e-6 });
  expect(m.decisionFunction(x)).toBeAllclose(f.decision_function, { rtol: 0, atol: 1e-6 });
  expect(m.anomalyScore(x)).toBeAllclose(f.score_samples.map((s) => -s), { rtol: 0, atol: 1e-6 });
  expect(Array.from(m.predict(x))).toEqual(f.predict);
  const meanRef = f.test_depth_sum.map((d) => d / f.trees.length);
  expect(m.pathLengths(x)).toBeAllclose(meanRef, { rtol: 1e-12, atol: 1e-9 });
  expect(m.scoreSamples(matrix(f.train_X))).toBeAllclose(f.train_score_samples, { rtol: 0, atol: 1e-6 });
}

describe('IsolationForest.fromSklearn', () => {
  it('covers the three reference forests, one of them with subsampled features and contamination', () => {
    expect(referenceForests.length).toBe(3);
    expect(referenceForests.some((f) => f.subsample_features)).toBe(true);
  });

  for (const f of referenceForests) {
    it(`reproduces score_samples, decision_function, predict and depth sums of ${f.id}`, () => {
      const m = load(f);
      expect(m.offset).toBe(f.offset_);
      expect(m.maxFeatures).toBe(f.max_features_);
      expectReproduces(m, f);
    });

    it(`round-trips ${f.id} through toArrays/fromArrays (and JSON for the metadata)`, () => {
      const { arrays, meta } = load(f).toArrays();
      const m = IsolationForest.fromArrays({ arrays, meta: JSON.parse(JSON.stringify(meta)) });
      expectReproduces(m, f);
      const again = m.toArrays().arrays;
      expect(again.threshold).toEqual(arrays.threshold);
      expect(again.nodeOffsets[again.nodeOffsets.length - 1]).toBe(f.trees.reduce((s, t) => s + t.children_left.length, 0));
    });
  }

  it("agrees with the test's percentile helper on the reference offset_ (contamination forest)", () => {
    const f = referenceForests.find((g) => g.contamination !== 'auto')!;
    expect(percentileRef(f.train_score_samples, 100 * (f.contamination as number))).toBeCloseTo(f.offset_, 14);
  });

  it('throws FormatError when a child index points outside its tree', () => {
    const f = referenceForests[0]!;
    const tree = { ...f.trees[0]!, children_left: [...f.trees[0]!.children_left] };
    tree.children_left[0] = 10_000;
    expectError(() => load({ ...f, trees: [tree] }), FormatError, /^IsolationForest\.fromArrays: tree 0 node 0 children must be -1 \(both\) or in \[0, \d+\), got 10000 and \d+$/);
  });

  it('throws FormatError when a node is reached twice', () => {
    const f = referenceForests[0]!;
    const tree = { ...f.trees[0]!, children_right: [...f.trees[0]!.children_right] };
    tree.children_right[0] = tree.children_left[0]!;
    expectError(() => load({ ...f, trees: [tree] }), FormatError, /^IsolationForest\.fromArrays: tree 0 node 1 must be reached once from the root, got a second parent$/);
  });

  it('throws FormatError for arrays of different lengths and for no trees', () => {
    const f = referenceForests[0]!;
    const tree = { ...f.trees[0]!, threshold: f.trees[0]!.threshold.slice(1) };
    expectError(() => load({ ...f, trees: [tree] }), FormatError, /^IsolationForest\.fromSklearn: trees\[0\]\.threshold must have \d+ entries like children_left, got \d+$/);
    expectError(() => load({ ...f, trees: [] }), FormatError, /^IsolationForest\.fromSklearn: trees must be a non-empty array/);
  });

  it('throws FormatError for a feature column outside nFeaturesIn', () => {
    const f = referenceForests[2]!;
    const tree = { ...f.trees[0]!, features: [...f.trees[0]!.features] };
    tree.features[0] = 99;
    expectError(() => load({ ...f, trees: [tree] }), FormatError, /^IsolationForest\.fromArrays: features\[0\] must be a column in \[0, 8\), got 99$/);
  });
});

describe('IsolationForest.fromArrays', () => {
  it('throws FormatError for wrong metadata or array types', () => {
    const { arrays, meta } = load(referenceForests[0]!).toArrays();
    expectError(() => IsolationForest.fromArrays({ arrays, meta: { ...meta, version: 2 as 1 } }), FormatError, /^IsolationForest\.fromArrays: meta\.format\/version must be 'dadm\.isolation-forest'\/1, got dadm\.isolation-forest\/2$/);
    expectError(() => IsolationForest.fromArrays({ arrays, meta: { ...meta, maxSamples: 1 } }), FormatError, /^IsolationForest\.fromArrays: meta\.maxSamples must be an integer >= 2, got 1$/);
    expectError(() => IsolationForest.fromArrays({ arrays, meta: { ...meta, offset: NaN } }), FormatError, /^IsolationForest\.fromArrays: meta\.offset must be a finite number, got NaN$/);
    const wrongType = { ...arrays, threshold: new Float32Array(arrays.threshold) as unknown as Float64Array };
    expectError(() => IsolationForest.fromArrays({ arrays: wrongType, meta }), FormatError, /^IsolationForest\.fromArrays: threshold must be a Float64Array, got \[object Float32Array\]$/);
  });
});
