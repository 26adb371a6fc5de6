/**
 * Data-parallel fused transformer steps with per-sequence side inputs: the same loss and gradients
 * as one thread (normalized by the batch's counted positions even when the slices count different
 * numbers), bit for bit between the worker's step and the caller's, deterministic per thread count.
 */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { FusedTransformer, Linear, ParallelTransformerTrainer, TransformerEncoderLayer, fusedParameters, transformerSliceStep, type FusedBatch, type FusedLoss } from '../../src/nn/index.js';
import { Random, Tensor, releaseThreads } from '../../src/tensor/index.js';
import { whyNoWorkers } from '../../src/tensor/threads/index.js';
import { Var } from '../../src/autograd/index.js';
import { InvalidOptionError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';
import { flatParams } from './flat-params.js';

afterAll(() => releaseThreads());

const F = 5, L = 6, D = 8, ROWS = 7;
const twoThreads = whyNoWorkers() === null && availableParallelism() >= 2;

function net(seed: number, maskToken: boolean): FusedTransformer {
  const rng = new Random(seed);
  const normal = (shape: number[]): Var => new Var(new Tensor(rng.normalFill(new Float32Array(shape.reduce((a, n) => a * n, 1)), 0, 0.1), shape), { requiresGrad: true });
  return new FusedTransformer({
    embed: new Linear(F, D, rng),
    posEmbedding: normal([L, D]),
    ...(maskToken ? { maskEmbedding: normal([D]) } : {}),
    layers: [new TransformerEncoderLayer({ dModel: D, nhead: 2, dimFeedforward: 16, dropout: 0, rng })],
    head: new Linear(D, F, rng),
  }, { len: L, causal: !maskToken });
}

/**
 * A batch whose counted positions fall unevenly: the first three sequences count every position,
 * the rest one each, so a slice's own count is not the batch's share of it.
 */
function batchOf(seed: number, masked: boolean): { b: FusedBatch; loss: FusedLoss } {
  const rng = new Random(seed + 100);
  const x = rng.normalFill(new Float32Array(ROWS * L * F));
  const target = rng.normalFill(new Float32Array(ROWS * L * F));
  if (!masked) return { b: { x, batch: ROWS }, loss: { target, positions: null, columns: null } };
  const positions = new Uint8Array(ROWS * L);
  const maskPositions = new Int32Array(ROWS);
  for (let s = 0; s < ROWS; s++) {
    maskPositions[s] = rng.int(0, L);
    if (s < 3) positions.fill(1, s * L, (s + 1) * L);
    else positions[s * L + maskPositions[s]!] = 1;
  }
  return { b: { x, batch: ROWS, maskPositions }, loss: { target, positions, columns: null } };
}

const gradsOf = (f: FusedTransformer): Float32Array[] => fusedParameters(f.parts).map((p) => p.grad!.data.slice());

describe('ParallelTransformerTrainer', () => {
  it('with threads: 1 gives exactly FusedTransformer.lossAndGrad', () => {
    const a = net(1, true), b = net(1, true);
    const { b: batch, loss } = batchOf(1, true);
    const lossA = a.lossAndGrad(batch, loss);
    expect(new ParallelTransformerTrainer({ fused: b, threads: 1 }).lossAndGrad(batch, loss)).toBe(lossA);
    expect(gradsOf(b)).toEqual(gradsOf(a));
  });

  it("the worker's step on a slice gives the caller's numbers bit for bit, normalized by the batch's count", () => {
    const a = net(2, true);
    const { b: batch, loss } = batchOf(2, true);
    const batchCount = 3 * L + (ROWS - 3);
    const params = fusedParameters(a.parts);
    const flat = flatParams(params);
    const grads = new Float32Array(flat.length);
    const spec = { inputDim: F, len: L, dModel: D, causal: false, maskToken: true, layers: [{ nhead: 2, dimFeedforward: 16, activation: 'relu', normFirst: false, layerNormEps: 1e-5 }] };
    const start = 2, rows = 4;
    const side = {
      arrays: [loss.target.subarray(start * L * F), loss.positions!.subarray(start * L), batch.maskPositions!.subarray(start)],
      batchCount,
    };
    const workerLoss = transformerSliceStep(spec, flat, grads)(batch.x.subarray(start * L * F), rows, ROWS, side);
    const callerLoss = a.lossAndGrad(
      { x: batch.x.subarray(start * L * F), batch: rows, maskPositions: batch.maskPositions!.subarray(start) },
      { target: loss.target.subarray(start * L * F), positions: loss.positions!.subarray(start * L), columns: null, batchPositions: batchCount },
    );
    expect(workerLoss).toBe(callerLoss);
    expect(grads).toEqual(Float32Array.from(gradsOf(a).flatMap((g) => [...g])));
  });

  for (const masked of [true, false]) {
    it.runIf(twoThreads)(`on two threads matches one thread to float32 rounding and repeats bit for bit (${masked ? 'uneven counted positions, masked embedding' : 'every position, causal'})`, { timeout: 60_000 }, () => {
      const one = net(3, masked), two = net(3, masked);
      const { b: batch, loss } = batchOf(3, masked);
      const lossOne = one.lossAndGrad(batch, loss);
      const trainer = new ParallelTransformerTrainer({ fused: two, threads: 2 });
      const lossTwo = trainer.lossAndGrad(batch, loss);
      expect(lossTwo).toBeCloseTo(lossOne, 6);
      gradsOf(two).forEach((g, i) => expect(g).toBeAllclose(gradsOf(one)[i]!, { rtol: 1e-4, atol: 1e-6 }));
      const first = gradsOf(two);
      expect(trainer.lossAndGrad(batch, loss)).toBe(lossTwo);
      expect(gradsOf(two)).toEqual(first);
      trainer.close();
    });
  }

  it('throws for a bad thread count, and for a column mask on several threads', () => {
    expectError(() => new ParallelTransformerTrainer({ fused: net(4, false), threads: 0 }), InvalidOptionError, /threads must be 'auto' or an integer >= 1, got 0/);
    const trainer = new ParallelTransformerTrainer({ fused: net(4, false), threads: 2 });
    const { b, loss } = batchOf(4, false);
    expectError(() => trainer.lossAndGrad(b, { ...loss, columns: new Uint8Array(F).fill(1) }), InvalidOptionError,
      /ParallelTransformerTrainer.lossAndGrad: loss.columns must be null on 2 threads, got a column mask/);
    trainer.close();
  });
});
