/** Data-parallel sequence-autoencoder steps: the same loss and gradients as one thread, deterministic per thread count. */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ParallelSequenceTrainer, SequenceAutoencoder } from '../../src/nn/index.js';
import { Random, releaseThreads } from '../../src/tensor/index.js';
import { whyNoWorkers } from '../../src/tensor/threads/index.js';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

afterAll(() => releaseThreads());

const ROWS = 13;
function setup(seed: number) {
  const model = new SequenceAutoencoder({ inputDim: 12, seqLen: 6, dModel: 8, nhead: 2, dimFeedforward: 16, rng: new Random(seed) });
  const batch = new Random(seed + 1).normalFill(new Float32Array(ROWS * 6 * 12));
  return { model, batch };
}
const gradsOf = (model: SequenceAutoencoder): Float32Array[] => model.parameters().map((p) => p.grad!.data.slice());

describe('ParallelSequenceTrainer', () => {
  it('with threads: 1 gives exactly SequenceAutoencoder.lossAndGrad', () => {
    const a = setup(1), b = setup(1);
    const lossA = a.model.lossAndGrad(a.batch, ROWS);
    expect(new ParallelSequenceTrainer({ model: b.model, threads: 1 }).lossAndGrad(b.batch, ROWS)).toBe(lossA);
    expect(gradsOf(b.model)).toEqual(gradsOf(a.model));
  });

  it.runIf(whyNoWorkers() === null && availableParallelism() >= 2)('on two threads matches one thread to float32 rounding and repeats bit for bit', { timeout: 60_000 }, () => {
    const one = setup(3);
    const lossOne = one.model.lossAndGrad(one.batch, ROWS);
    const two = setup(3);
    const trainer = new ParallelSequenceTrainer({ model: two.model, threads: 2 });
    const lossTwo = trainer.lossAndGrad(two.batch, ROWS);
    expect(lossTwo).toBeCloseTo(lossOne, 6);
    gradsOf(two.model).forEach((g, i) => expect(g).toBeAllclose(gradsOf(one.model)[i]!, { rtol: 1e-4, atol: 1e-6 }));
    const first = gradsOf(two.model);
    expect(trainer.lossAndGrad(two.batch, ROWS)).toBe(lossTwo);
    expect(gradsOf(two.model)).toEqual(first);
    trainer.close();
  });

  it('throws for dropout, a bad thread count and a batch of the wrong length', () => {
    const withDropout = new SequenceAutoencoder({ inputDim: 12, seqLen: 6, dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0.1, rng: new Random(4) });
    expectError(() => new ParallelSequenceTrainer({ model: withDropout }), InvalidOptionError, /ParallelSequenceTrainer: the model's dropout must be 0 \(the fused step\), got 0.1/);
    const { model, batch } = setup(5);
    expectError(() => new ParallelSequenceTrainer({ model, threads: 0 }), InvalidOptionError, /threads must be 'auto' or an integer >= 1, got 0/);
    const trainer = new ParallelSequenceTrainer({ model, threads: 2 });
    expectError(() => trainer.lossAndGrad(batch.subarray(1), ROWS), ShapeError, /SequenceAutoencoder.lossAndGrad: data length must be rows \* 6 \* 12 = 936, got 935/);
    expectError(() => trainer.lossAndGrad(batch, 0), DataError, /SequenceAutoencoder.lossAndGrad: rows must be a positive integer, got 0/);
    trainer.close();
  });
});
