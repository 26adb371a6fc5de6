/**
 * ObjectiveBatcher's context noise: a corrupted training window gets one contiguous run of 1..9
 * changed input steps, and the next-step targets stay the clean steps.
 */
import { describe, expect, it } from 'vitest';
import { ObjectiveBatcher } from '../../../src/models/transformer/objective.js';
import { Random } from '../../../src/tensor/index.js';

const T = 16, F = 4, n = 200;
const windows = Float32Array.from({ length: n * T * F }, (_, i) => Math.sin(i * 0.37) + (i % 7));

/** Input steps of window b whose values differ from the clean steps 0..T-2. */
function changedSteps(x: Float32Array, b: number): number[] {
  const changed: number[] = [];
  for (let l = 0; l < T - 1; l++) {
    let same = true;
    for (let a = 0; a < F; a++) if (x[(b * (T - 1) + l) * F + a] !== windows[(b * T + l) * F + a]) same = false;
    if (!same) changed.push(l);
  }
  return changed;
}

describe('ObjectiveBatcher context noise (next-step)', () => {
  it('corrupts one run of consecutive context steps per chosen window and keeps the targets clean', () => {
    const batcher = new ObjectiveBatcher('next-step', T, F, null, { contextNoise: 0.5 });
    const { batch, loss } = batcher.train(windows, n, new Random(3));
    let corrupted = 0;
    for (let b = 0; b < n; b++) {
      for (let l = 0; l < T - 1; l++) {
        for (let a = 0; a < F; a++) expect(loss.target[(b * (T - 1) + l) * F + a]).toBe(windows[(b * T + l + 1) * F + a]);
      }
      const changed = changedSteps(batch.x, b);
      if (changed.length === 0) continue;
      corrupted++;
      expect(changed.length).toBeLessThanOrEqual(9);
      expect(changed[changed.length - 1]! - changed[0]!).toBe(changed.length - 1);
    }
    // 0.5 of 200 windows: 100 expected, a binomial sd of 7 (a shift can leave a run's feature unchanged only by chance).
    expect(corrupted).toBeGreaterThan(70);
    expect(corrupted).toBeLessThan(130);
  });

  it('leaves the input clean with contextNoise 0', () => {
    const { batch } = new ObjectiveBatcher('next-step', T, F, null, { contextNoise: 0 }).train(windows, n, new Random(3));
    for (let b = 0; b < n; b++) expect(changedSteps(batch.x, b)).toEqual([]);
  });
});

describe('ObjectiveBatcher centering (context-mean)', () => {
  // One window, T = 3 steps, F = 3 columns of which 0 and 2 are active:
  //   step 0: [1, 100, 10]   step 1: [3, 200, 20]   step 2: [8, 300, 5]
  // Context means over steps 0..1: column 0 -> 2, column 2 -> 15.
  // Centered [T, A]: [-1, -5], [1, 5], [6, -10].
  const w = Float32Array.of(1, 100, 10, 3, 200, 20, 8, 300, 5);
  const make = (objective: 'next-step' | 'masked-step' | 'reconstruct'): ObjectiveBatcher => new ObjectiveBatcher(objective, 3, 3, [0, 2], { centering: 'context-mean' });

  it('next-step: the input is the centered context, the target the centered steps 1..T-1, the level the context mean', () => {
    const batcher = make('next-step');
    const { batch, loss } = batcher.train(w, 1, new Random(1));
    expect(Array.from(batch.x.subarray(0, 4))).toEqual([-1, -5, 1, 5]);
    expect(Array.from(loss.target.subarray(0, 4))).toEqual([1, 5, 6, -10]);
    expect(Array.from(batcher.levels.subarray(0, 2))).toEqual([2, 15]);
    expect(Array.from(batcher.scoreBatch(w, 1).x.subarray(0, 4))).toEqual([-1, -5, 1, 5]);
  });

  it('masked-step and reconstruct read all T centered steps; the errors are against the centered last step', () => {
    for (const objective of ['masked-step', 'reconstruct'] as const) {
      const batcher = make(objective);
      expect(Array.from(batcher.scoreBatch(w, 1).x)).toEqual([-1, -5, 1, 5, 6, -10]);
      const errors = new Float32Array(2);
      // y [1, T, A]: the last position predicts [4, -7]; errors (4 - 6)^2 = 4 and (-7 + 10)^2 = 9.
      batcher.lastStepErrors(Float32Array.of(0, 0, 0, 0, 4, -7), 1, errors);
      expect(Array.from(errors)).toEqual([4, 9]);
    }
  });

  it("'none' leaves the gathered steps as they are and the levels 0", () => {
    const batcher = new ObjectiveBatcher('next-step', 3, 3, [0, 2]);
    expect(Array.from(batcher.scoreBatch(w, 1).x.subarray(0, 4))).toEqual([1, 10, 3, 20]);
    expect(Array.from(batcher.levels.subarray(0, 2))).toEqual([0, 0]);
  });
});
