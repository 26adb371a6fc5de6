/** Data-parallel autoencoder steps: the same loss and gradients as one thread, deterministic per thread count. */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { Autoencoder, FusedMlp, ParallelMlpScorer, ParallelMlpTrainer, mlpSliceStep } from '../../src/nn/index.js';
import { Random, releaseThreads } from '../../src/tensor/index.js';
import { whyNoWorkers } from '../../src/tensor/threads/index.js';
import { expectError } from '../tensor/expect-error.js';
import { flatParams } from './flat-params.js';
import { InvalidOptionError } from '../../src/errors.js';

afterAll(() => releaseThreads());

function setup(seed: number) {
  const model = new Autoencoder({ inputDim: 12, hiddenDims: [7, 3], rng: new Random(seed) });
  const batch = new Random(seed + 1).normalFill(new Float32Array(37 * 12));
  return { model, batch };
}

const gradsOf = (model: Autoencoder): Float32Array[] => model.parameters().map((p) => p.grad!.data.slice());
const mask = Uint8Array.from({ length: 12 }, (_, j) => (j < 9 ? 1 : 0));

describe('ParallelMlpTrainer', () => {
  it('with threads: 1 gives exactly Autoencoder.lossAndGrad', () => {
    const a = setup(1);
    const b = setup(1);
    const lossA = a.model.lossAndGrad(a.batch, 37);
    const trainer = new ParallelMlpTrainer({ params: b.model.parameters(), activation: 'relu', lossMask: null, threads: 1 });
    expect(trainer.lossAndGrad(b.batch, 37)).toBe(lossA);
    expect(gradsOf(b.model)).toEqual(gradsOf(a.model));
  });

  it.runIf(whyNoWorkers() === null && availableParallelism() >= 2)('on two threads matches one thread to float32 rounding and repeats bit for bit', { timeout: 60_000 }, () => {
    const one = setup(2);
    const lossOne = new ParallelMlpTrainer({ params: one.model.parameters(), activation: 'relu', lossMask: mask, threads: 1 }).lossAndGrad(one.batch, 37);
    const two = setup(2);
    const trainer = new ParallelMlpTrainer({ params: two.model.parameters(), activation: 'relu', lossMask: mask, threads: 2 });
    const lossTwo = trainer.lossAndGrad(two.batch, 37);
    expect(lossTwo).toBeCloseTo(lossOne, 6);
    gradsOf(two.model).forEach((g, i) => expect(g).toBeAllclose(gradsOf(one.model)[i]!, { rtol: 1e-5, atol: 1e-7 }));
    const first = gradsOf(two.model);
    expect(trainer.lossAndGrad(two.batch, 37)).toBe(lossTwo);
    expect(gradsOf(two.model)).toEqual(first);
    trainer.close();
  });

  it('computes a slice in the worker step bit for bit as the calling thread does, so who computes it does not matter', () => {
    const { model, batch } = setup(4);
    const params = model.parameters();
    const flat = flatParams(params);
    const grads = new Float32Array(flat.length);
    const spec = { shapes: params.map((p) => [...p.shape]), activation: 'relu', lossMask: Array.from(mask) };
    const slice = batch.subarray(19 * 12);
    const workerLoss = mlpSliceStep(spec, flat, grads)(slice, 18, 37, { arrays: [], batchCount: 37 });
    const pairs = [0, 2, 4, 6].map((i) => ({ weight: params[i]!, bias: params[i + 1]! }));
    const callerLoss = new FusedMlp(pairs, 'relu').lossAndGradSlice(slice, 18, { batchRows: 37, lossMask: mask });
    expect(workerLoss).toBe(callerLoss);
    expect(grads).toEqual(Float32Array.from(params.flatMap((p) => Array.from(p.grad!.data))));
  });

  it('throws InvalidOptionError for params that are not weight/bias pairs or a bad thread count', () => {
    const { model } = setup(3);
    expectError(() => new ParallelMlpTrainer({ params: model.parameters().slice(1), activation: 'relu', lossMask: null }), InvalidOptionError, /params must be weight \[out, in\], bias \[out\] pairs/);
    expectError(() => new ParallelMlpTrainer({ params: model.parameters(), activation: 'relu', lossMask: null, threads: 0 }), InvalidOptionError, /threads must be 'auto' or an integer >= 1, got 0/);
  });
});

describe('ParallelMlpScorer', () => {
  const model = new Autoencoder({ inputDim: 12, hiddenDims: [7, 3], activeFeatures: [0, 1, 2, 3, 4, 5, 6, 7], rng: new Random(9) });
  const rows = 2600;
  const x = new Random(10).normalFill(new Float32Array(rows * 12));
  const scoreMask = Uint8Array.from({ length: 12 }, (_, j) => (j < 8 ? 1 : 0));

  it('with threads: 1 matches Autoencoder.score to float32 rounding', () => {
    const got = new ParallelMlpScorer({ params: model.parameters(), activation: 'relu', scoreMask, threads: 1 }).score(x, rows);
    expect(got).toBeAllclose(model.score(x, rows), { rtol: 1e-5, atol: 1e-7 });
  });

  it.runIf(whyNoWorkers() === null && availableParallelism() >= 2)('on two threads gives the one-thread scores bit for bit', { timeout: 60_000 }, () => {
    const one = new ParallelMlpScorer({ params: model.parameters(), activation: 'relu', scoreMask, threads: 1 }).score(x, rows);
    const scorer = new ParallelMlpScorer({ params: model.parameters(), activation: 'relu', scoreMask, threads: 2 });
    expect(scorer.score(x, rows)).toEqual(one);
    scorer.close();
  });
});
