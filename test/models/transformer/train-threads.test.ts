/**
 * The transformer's training on several threads: the same step losses as one thread to float32
 * summation order, the same bytes per seed and thread count, and `threads: 1` exactly the
 * single-thread path.
 */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { TransformerDetector, type TransformerOptions, type TransformerProgress } from '../../../src/models/transformer/index.js';
import { memoryRows } from '../../../src/data/index.js';
import { generateSequenceData, normalizeCore, toModelInput } from '../../../src/schema/index.js';
import { releaseThreads, type ThreadsOption } from '../../../src/tensor/index.js';
import { whyNoWorkers } from '../../../src/tensor/threads/index.js';
import { InvalidOptionError } from '../../../src/errors.js';
import { mergeConfig, train, writeSequenceFiles } from '../../../src/pipeline/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectError } from '../../tensor/expect-error.js';
import { smallConfig, tempDir } from '../../pipeline/helpers.js';

afterAll(() => releaseThreads());

const twoThreads = whyNoWorkers() === null && availableParallelism() >= 2;
const gen = generateSequenceData({ hosts: 8, steps: 24, seed: 7 });
const rows = toModelInput(normalizeCore(gen.raw));
const source = () => ({ data: memoryRows(rows, 64, 'rows'), hosts: memoryRows(gen.hosts, 1, 'hosts') });
const base: TransformerOptions = { window: 6, dModel: 8, heads: 2, feedForward: 16, epochs: 1, batchSize: 16, activeFeatures: [0, 1, 2, 3, 4, 5, 6, 7], validationFraction: 0.25 };

function fit(options: TransformerOptions, threads?: ThreadsOption): { losses: number[]; tensors: Float32Array[]; model: TransformerDetector } {
  const losses: number[] = [];
  const onProgress = (p: TransformerProgress): void => {
    if (p.kind === 'step') losses.push(p.loss);
  };
  const model = new TransformerDetector(options).fit(source(), threads === undefined ? { onProgress } : { onProgress, threads });
  return { losses, tensors: [...model.toState().tensors.values()].map((t) => t.data), model };
}

describe('TransformerDetector.fit threads', () => {
  const dir = tempDir('dadm-transformer-threads-');
  const f = (name: string): string => join(dir, name);

  it('threads: 1 gives the bytes of the default (single-thread) path, and the saved options do not hold threads', () => {
    const a = fit(base), b = fit(base, 1);
    expect(b.losses).toEqual(a.losses);
    expect(b.tensors).toEqual(a.tensors);
    expect(Object.keys(b.model.toState().metadata.options)).not.toContain('threads');
  });

  for (const objective of ['next-step', 'masked-step'] as const) {
    it.runIf(twoThreads)(`${objective}: two threads track one thread's step losses and repeat bit for bit`, { timeout: 60_000 }, () => {
      const options = { ...base, objective };
      const one = fit(options, 1), two = fit(options, 2), again = fit(options, 2);
      expect(two.losses.length).toBe(one.losses.length);
      expect(two.losses.length).toBeGreaterThanOrEqual(4);
      // Adam makes the float32 summation-order differences grow step by step; the first steps agree tightly.
      two.losses.slice(0, 4).forEach((loss, i) => expect(Math.abs(loss - one.losses[i]!)).toBeLessThan(1e-5 * one.losses[i]!));
      expect(again.losses).toEqual(two.losses);
      expect(again.tensors).toEqual(two.tensors);
    });
  }

  it.runIf(twoThreads)("train's config threads reach the transformer: close losses, the bytes of each thread count repeat", { timeout: 60_000 }, () => {
    writeSequenceFiles({ hosts: 8, steps: 30, seed: 5, anomalyRate: 0, out: f('seq.npy'), hostsOut: f('hosts.npy') });
    const run = (threads: number, out: string) => {
      const config = mergeConfig({ model: 'transformer', threads, transformer: { dModel: 8, heads: 2, feedForward: 16, batchSize: 16 }, sequence: { window: 6 }, training: { epochs: 1 } }, smallConfig());
      const r = train({ data: f('seq.npy'), hosts: f('hosts.npy'), outDir: f(out), config });
      return { loss: r.metrics.epochs[0]!.trainLoss, bytes: readFileSync(r.files.model) };
    };
    const one = run(1, 'one'), two = run(2, 'two'), again = run(2, 'again');
    expect(Math.abs(two.loss - one.loss)).toBeLessThan(1e-4 * one.loss);
    expect(two.bytes.equals(one.bytes)).toBe(false);
    expect(again.bytes.equals(two.bytes)).toBe(true);
  });

  it('throws InvalidOptionError for a bad thread count', () => {
    expectError(() => new TransformerDetector(base).fit(source(), { threads: 0 }), InvalidOptionError, /train: threads must be 'auto' or an integer >= 1, got 0/);
  });
});
