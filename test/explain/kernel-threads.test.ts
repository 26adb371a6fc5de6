import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { shapleyValues } from '../../src/explain/index.js';
import type { ChunkJob } from '../../src/explain/kernel-threads.js';
import { releaseKernels } from '../../src/explain/mlp-coalition-kernel.js';
import { ThreadSession, wasmActive } from '../../src/tensor/index.js';
import { poolWorkers } from '../../src/tensor/threads/index.js';
import { batched, naiveMlpScore, normalRows, reluModel } from './helpers.js';

// 2^12 masks x 48 background rows = 196,608 hybrid rows: enough work for worker threads.
const d = 16;
const model = reluModel([d, 9, 5, d], [0, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15], 11);
const features = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const background = { data: normalRows(48, d, 12), rows: 48 };
const x = normalRows(1, d, 13);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the threaded path until a worker has computed at least one chunk; returns each run's phi and how many chunks workers computed. */
async function runUntilAWorkerHelps(): Promise<{ runs: Float64Array[]; workerChunks: number }> {
  // Every session run reads its board after the run: a state >= 1 is a chunk a worker computed.
  const boards: Int32Array[] = [];
  const original = ThreadSession.prototype.run;
  const spy = vi.spyOn(ThreadSession.prototype, 'run').mockImplementation(function (this: ThreadSession, own: () => void) {
    original.call(this, own);
    boards.push((this.init as ChunkJob).board.slice());
  });
  const runs: Float64Array[] = [];
  let workerChunks = 0;
  try {
    for (let attempt = 0; attempt < 20 && workerChunks === 0; attempt++) {
      boards.length = 0;
      runs.push(shapleyValues(model, x, background, { features, threads: 2 }).phi);
      for (const board of boards) for (let c = 1; c < board.length; c++) if (board[c]! >= 1) workerChunks++;
      if (workerChunks === 0) await sleep(50);
    }
  } finally {
    spy.mockRestore();
  }
  return { runs, workerChunks };
}

afterAll(() => releaseKernels());

describe.runIf(wasmActive() && availableParallelism() >= 2)('SIMD kernel on worker threads', { timeout: 120_000 }, () => {
  const one = shapleyValues(model, x, background, { features, threads: 1 }).phi;

  it('gives bit-identical values when a worker computes some of the chunks', async () => {
    const { runs, workerChunks } = await runUntilAWorkerHelps();
    expect(workerChunks).toBeGreaterThan(0);
    for (const phi of runs) expect(Array.from(phi)).toEqual(Array.from(one));
    const naive = shapleyValues(batched(naiveMlpScore(model), d), x, background, { features });
    expect(one).toBeAllclose(naive.phi, { rtol: 1e-4, atol: 1e-5 * Math.max(...Array.from(naive.phi, Math.abs)) });
  });

  it('replaces a worker that ended, and the values stay the same', async () => {
    await runUntilAWorkerHelps();
    const [worker] = poolWorkers(1);
    await worker!.worker.terminate();
    const { runs, workerChunks } = await runUntilAWorkerHelps();
    expect(workerChunks).toBeGreaterThan(0);
    expect(poolWorkers(1)[0]).not.toBe(worker);
    for (const phi of runs) expect(Array.from(phi)).toEqual(Array.from(one));
  });

  it('starts over after releaseKernels', async () => {
    releaseKernels();
    const { runs } = await runUntilAWorkerHelps();
    for (const phi of runs) expect(Array.from(phi)).toEqual(Array.from(one));
  });
});
