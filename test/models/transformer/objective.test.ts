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
    const batcher = new ObjectiveBatcher('next-step', T, F, null, 0.5);
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
    const { batch } = new ObjectiveBatcher('next-step', T, F, null, 0).train(windows, n, new Random(3));
    for (let b = 0; b < n; b++) expect(changedSteps(batch.x, b)).toEqual([]);
  });
});
