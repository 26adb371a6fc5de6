import { describe, expect, it } from 'vitest';
import { IsolationForest } from '../../src/iforest/index.js';
import { lcgMatrix, treeView } from './helpers.js';

/**
 * With maxSamples = all rows and no bootstrap every tree is grown on the whole data, so routing the
 * data through a tree independently must reproduce its node counts and split rules.
 */
describe('IsolationForest.fit tree growth', () => {
  const rows = 60;
  const cols = 5;
  const data = lcgMatrix(rows, cols, 7);
  for (let r = 0; r < rows; r++) {
    data[r * cols + 2] = 3; // a constant column
    data[r * cols + 4] = Math.fround(Math.round(data[r * cols + 4]! * 4) / 4); // heavy ties
  }
  for (let r = 0; r < 6; r++) data.set(data.subarray(0, cols), (rows - 1 - r) * cols); // duplicate rows
  const x = { data, shape: [rows, cols] as const };
  const limit = Math.ceil(Math.log2(rows));

  for (const maxFeatures of [1, 0.6]) {
    it(`grows trees with scikit-learn's split and stop rules (maxFeatures ${maxFeatures})`, () => {
      const { arrays, meta } = new IsolationForest({ nEstimators: 30, maxSamples: 1, maxFeatures, seed: 3 }).fit(x).toArrays();
      expect(meta.maxSamples).toBe(rows);
      expect(meta.maxFeatures).toBe(maxFeatures === 1 ? cols : 3);
      let internal = 0;
      for (let t = 0; t < 30; t++) {
        const v = treeView(arrays, meta, t);
        expect(new Set(v.cols).size).toBe(meta.maxFeatures);
        const visit = (node: number, members: number[], depth: number): void => {
          expect(v.nSamples(node)).toBe(members.length);
          const range = (c: number) => {
            const vals = members.map((r) => data[r * cols + c]!);
            return [Math.min(...vals), Math.max(...vals)] as const;
          };
          if (v.left(node) === -1) {
            expect(v.right(node)).toBe(-1);
            const allConstant = v.cols.every((c) => range(c)[1] <= range(c)[0] + 1e-7);
            expect(members.length <= 1 || depth === limit || allConstant).toBe(true);
            return;
          }
          internal++;
          expect(depth).toBeLessThan(limit);
          const c = v.column(node);
          expect(c).not.toBe(2);
          const [lo, hi] = range(c);
          expect(v.threshold(node)).toBeGreaterThanOrEqual(lo);
          expect(v.threshold(node)).toBeLessThan(hi);
          const thr = v.threshold(node);
          visit(v.left(node), members.filter((r) => data[r * cols + c]! <= thr), depth + 1);
          visit(v.right(node), members.filter((r) => data[r * cols + c]! > thr), depth + 1);
        };
        visit(0, Array.from({ length: rows }, (_, i) => i), 0);
      }
      expect(internal).toBeGreaterThan(30 * 10);
    });
  }

  it('picks root split features uniformly among the non-constant columns', () => {
    const { arrays, meta } = new IsolationForest({ nEstimators: 400, maxSamples: 1, seed: 11 }).fit(x).toArrays();
    const counts = [0, 0, 0, 0, 0];
    for (let t = 0; t < 400; t++) counts[treeView(arrays, meta, t).column(0)]!++;
    expect(counts[2]).toBe(0);
    // 4 live columns, 100 expected each; chi-square with 3 dof < 16.3 (p = 0.001).
    const chi2 = [0, 1, 3, 4].reduce((s, c) => s + (counts[c]! - 100) ** 2 / 100, 0);
    expect(chi2).toBeLessThan(16.3);
  });

  it('draws maxSamples rows per tree without replacement, or with replacement when bootstrap is set', () => {
    const big = { data: lcgMatrix(500, 3, 1), shape: [500, 3] as const };
    for (const bootstrap of [false, true]) {
      const { arrays, meta } = new IsolationForest({ nEstimators: 5, maxSamples: 100, bootstrap }).fit(big).toArrays();
      expect(meta.maxSamples).toBe(100);
      for (let t = 0; t < 5; t++) expect(arrays.nNodeSamples[arrays.nodeOffsets[t]!]).toBe(100);
    }
  });
});
