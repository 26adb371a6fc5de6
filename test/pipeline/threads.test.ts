/** `threads` in train and score: worker threads change no score, and one thread is the plain path. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { generateData, loadCheckpoint, score, train } from '../../src/pipeline/index.js';
import { expectOneLineError, run } from '../cli/helpers.js';
import { expectError } from '../tensor/expect-error.js';
import { smallConfig, tempDir } from './helpers.js';

const dir = tempDir();
const data = join(dir, 'data.npy');

beforeAll(() => {
  generateData({ rows: 3000, out: data, seed: 3, anomalyRate: 0.03 });
});

describe('threads', () => {
  it('trains the autoencoder on two threads to the one-thread losses (float32 summation order) and records the key', () => {
    const one = train({ data, outDir: join(dir, 'ae1'), config: smallConfig({ training: { epochs: 2 } }) });
    const two = train({ data, outDir: join(dir, 'ae2'), config: smallConfig({ training: { epochs: 2 } }), threads: 2 });
    const again = train({ data, outDir: join(dir, 'ae2b'), config: smallConfig({ training: { epochs: 2 } }), threads: 2 });
    one.metrics.epochs.forEach((e, i) => expect(two.metrics.epochs[i]!.trainLoss).toBeCloseTo(e.trainLoss, 4));
    expect(readFileSync(two.files.model).equals(readFileSync(again.files.model))).toBe(true);
    expect(loadCheckpoint(two.files.model).config.threads).toBe(2);
    expect(loadCheckpoint(one.files.model).config.threads).toBe(1);
  });

  it('scores a checkpoint on two threads bit for bit as on one, for both kinds', () => {
    const forest = train({ data, outDir: join(dir, 'if'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 20 } }) });
    for (const model of [join(dir, 'ae1', 'model.safetensors'), forest.files.model]) {
      const a = score({ model, data }).scores;
      const b = score({ model, data, threads: 2 }).scores;
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    }
  });

  it('refuses a bad thread count from the library and the command line', async () => {
    expectError(() => score({ model: join(dir, 'ae1', 'model.safetensors'), data, threads: 0 }), InvalidOptionError, /^score: threads must be 'auto' or an integer >= 1, got 0$/);
    const r = await run('score', '--model', join(dir, 'ae1', 'model.safetensors'), '--data', data, '--threads', 'two');
    expect(r.code).toBe(2);
    expectOneLineError(r, /^dadm score: --threads must be 'auto' or an integer >= 1, got 'two'/);
    const b = await run('train', '--data', data, '--out-dir', join(dir, 'x'), '--backend', 'gpu');
    expect(b.code).toBe(2);
    expectOneLineError(b, /--backend must be one of auto, js, wasm, got 'gpu'/);
  });
});
