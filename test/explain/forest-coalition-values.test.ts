import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { shapleyValues, type IsolationForestModel } from '../../src/explain/index.js';
import { IsolationForest } from '../../src/iforest/index.js';
import { expectError } from '../tensor/expect-error.js';
import { normalRows } from './helpers.js';

/** A fitted forest as the explainer's structured model, and the same forest's own scorer as a plain score function. */
function forestPair(d: number, trees: number, seed: number): { model: IsolationForestModel; scoreFn: (rows: Float32Array, n: number) => Float64Array } {
  const forest = new IsolationForest({ nEstimators: trees, maxSamples: 64, seed }).fit({ data: normalRows(300, d, seed), shape: [300, d] });
  const { compiled, denominator, nFeaturesIn } = forest.compiledTrees();
  const model: IsolationForestModel = { kind: 'isolation-forest', ...compiled, denominator, inputDim: nFeaturesIn };
  return { model, scoreFn: (rows, n) => forest.anomalyScore({ data: rows.subarray(0, n * d), shape: [n, d] }) };
}

describe('shapleyValues (isolation forest, structured path)', () => {
  it('gives the same numbers as walking every hybrid row through the forest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 7 }),
        (d, rows, seed, trees) => {
          const { model, scoreFn } = forestPair(d, trees, seed);
          const features = Array.from({ length: Math.min(d, 7) }, (_, j) => (j * 3 + seed) % d).filter((v, i, a) => a.indexOf(v) === i);
          const data = normalRows(rows, d, seed + 1);
          if (rows > 2) data.set(data.subarray(0, d), d); // a duplicated background row
          const x = normalRows(1, d, seed + 2).map((v) => 2.5 * v);
          const fast = shapleyValues(model, x, { data, rows }, { features });
          const plain = shapleyValues(scoreFn, x, { data, rows }, { features });
          expect(Array.from(fast.phi)).toEqual(Array.from(plain.phi));
          expect(fast.value).toBe(plain.value);
          expect(fast.baseValue).toBe(plain.baseValue);
        },
      ),
      { seed: 11, numRuns: 40 },
    );
  });

  it('throws ShapeError for x of another width than the forest', () => {
    const { model } = forestPair(5, 3, 1);
    expectError(() => shapleyValues(model, new Float32Array(6), { data: new Float32Array(6), rows: 1 }), ShapeError, /^shapleyValues: x must have the model's width 5, got 6$/);
  });
});
