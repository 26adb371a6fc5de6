/** IsolationForest scoring on several threads: the same scores, row for row, as on one. */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { IsolationForest } from '../../src/iforest/index.js';
import { Random, backend, releaseThreads, setBackend, wasmUnavailableReason } from '../../src/tensor/index.js';
import { whyNoWorkers } from '../../src/tensor/threads/index.js';
import { expectError } from '../tensor/expect-error.js';

afterAll(() => releaseThreads());

describe('IsolationForest threads', () => {
  const rows = 5000;
  const x = { data: new Random(3).normalFill(new Float32Array(rows * 5)), shape: [rows, 5] as const };

  it.runIf(whyNoWorkers() === null && availableParallelism() >= 2)('scores on two threads exactly as on one, also after fromArrays', { timeout: 60_000 }, () => {
    const one = new IsolationForest({ nEstimators: 20, seed: 1 }).fit(x);
    const two = new IsolationForest({ nEstimators: 20, seed: 1, threads: 2 }).fit(x);
    expect(two.threads).toBe(2);
    expect(two.scoreSamples(x)).toEqual(one.scoreSamples(x));
    const loaded = IsolationForest.fromArrays(one.toArrays(), { threads: 2 });
    expect(loaded.decisionFunction(x)).toEqual(one.decisionFunction(x));
    expect(one.toArrays().meta.options).not.toHaveProperty('threads');
  });

  it('rejects a bad thread count in scikit-learn wording', () => {
    expectError(() => new IsolationForest({ threads: 0 }), InvalidOptionError, /The 'threads' option of IsolationForest must be 'auto' or an integer >= 1\. Got 0 instead\./);
  });
});

describe('IsolationForest on the two kernel backends', () => {
  it.runIf(wasmUnavailableReason() === null)('scores identically with the JS walk and the WebAssembly walk', () => {
    const initial = backend();
    const rows = 3001;
    const x = { data: new Random(8).normalFill(new Float32Array(rows * 7)), shape: [rows, 7] as const };
    const model = new IsolationForest({ nEstimators: 30, maxSamples: 200, seed: 4 }).fit(x);
    setBackend('js');
    const js = model.pathLengths(x);
    setBackend('wasm');
    const wasm = model.pathLengths(x);
    setBackend(initial);
    expect(wasm).toEqual(js);
  });
});
