/**
 * DataParallelStep's per-row side inputs: each slice gets its rows of every input (float32, uint8,
 * int32; null when a batch has none) and the batch's normaliser, so slices with different counts
 * still add up to the batch's loss and gradients.
 */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { DataParallelStep, MAX_SIDE_INPUTS, Random, releaseThreads, type RowInput } from '../../../src/tensor/index.js';
import { whyNoWorkers } from '../../../src/tensor/threads/index.js';
import { InvalidOptionError } from '../../../src/errors.js';
import { expectError } from '../expect-error.js';
import { toyStep } from './toy-slice-step.js';

afterAll(() => releaseThreads());

const WIDTH = 5, ROWS = 9;
const side: RowInput[] = [{ width: WIDTH, type: 'float32' }, { width: 1, type: 'uint8' }, { width: 1, type: 'int32' }];
const step = { module: new URL('./toy-slice-step.ts', import.meta.url).href, name: 'toySliceStep' };

describe('DataParallelStep side inputs', () => {
  it.runIf(whyNoWorkers() === null && availableParallelism() >= 2)('split with the rows: two threads give the whole batch loss and gradient, with and without a target, call after call', { timeout: 60_000 }, () => {
    const rng = new Random(3);
    const w = rng.normalFill(new Float32Array(WIDTH));
    const x = rng.normalFill(new Float32Array(ROWS * WIDTH));
    const t = rng.normalFill(new Float32Array(ROWS * WIDTH));
    // The first slice (rows 0..4) counts one row, the second (5..8) all four: uneven counts.
    const mask = Uint8Array.from([0, 1, 0, 0, 0, 1, 1, 1, 1]);
    const scale = Int32Array.from([1, 2, 3, -1, 2, 1, -2, 3, 1]);
    const batchCount = 5 * WIDTH;
    const parallel = new DataParallelStep({ step, model: null, params: [w], width: WIDTH, threads: 2, side });
    for (const target of [t, null, t, null]) {
      const whole = new Float32Array(WIDTH);
      const lossWhole = toyStep(w, whole)(x, ROWS, ROWS, { arrays: [target, mask, scale], batchCount });
      const g = new Float32Array(WIDTH);
      const loss = parallel.step(x, ROWS, [g], toyStep(w, g), { arrays: [target, mask, scale], batchCount });
      expect(parallel.workers).toBe(1);
      expect(loss).toBeCloseTo(lossWhole, 5);
      expect(g).toBeAllclose(whole, { rtol: 1e-5, atol: 1e-6 });
    }
    parallel.close();
  });

  it('throws InvalidOptionError for more side inputs than argument slots', () => {
    const many = new Array<RowInput>(MAX_SIDE_INPUTS + 1).fill({ width: 1, type: 'uint8' });
    expectError(() => new DataParallelStep({ step, model: null, params: [], width: 1, threads: 2, side: many }), InvalidOptionError,
      new RegExp(`DataParallelStep: side inputs must number at most ${MAX_SIDE_INPUTS}, got ${MAX_SIDE_INPUTS + 1}`));
  });
});
