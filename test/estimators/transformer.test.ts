/**
 * The transformer estimator: windows [N, T, F] in memory train through the same path as `dadm train`
 * on a 3-D window file of the same windows (same checkpoint bytes); scores, save/load, ONNX; typed
 * errors for windows of the wrong shape or with NaN.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, mergeConfig, type DadmConfig } from '../../src/config/index.js';
import { DataError, NotFittedError, ShapeError } from '../../src/errors.js';
import { ESTIMATORS, TransformerEstimator } from '../../src/estimators/index.js';
import { writeNpyFile } from '../../src/io/index.js';
import { loadCheckpoint, loadOnnxDetector } from '../../src/models/index.js';
import { train } from '../../src/pipeline/index.js';
import { Random } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';

const dir = mkdtempSync(join(tmpdir(), 'dadm-transformer-estimator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 60, T = 5, F = 4;
const shape = [N, T, F] as const;
/** Windows of a slow sine per feature with noise: the next step is predictable from the ones before. */
function windows(seed: number): Float32Array {
  const rng = new Random(seed);
  const x = rng.normalFill(new Float32Array(N * T * F), 0, 0.1);
  for (let w = 0; w < N; w++) for (let t = 0; t < T; t++) for (let j = 0; j < F; j++) x[(w * T + t) * F + j] += Math.sin(0.3 * (w + t) + j);
  return x;
}
const X = windows(1);

function config(seed = 2): DadmConfig {
  return mergeConfig(
    { model: 'transformer', schema: 'none', standardize: true, training: { epochs: 2, seed }, transformer: { dModel: 8, heads: 2, feedForward: 16, batchSize: 16 }, sequence: { window: T } },
    defaultConfig(),
  );
}

describe('TransformerEstimator', () => {
  const path = join(dir, 'windows.npy');
  writeNpyFile(path, { data: X, shape });
  const run = train({ data: path, outDir: join(dir, 'out'), config: config() });
  const model = new TransformerEstimator({ config: config() }).fit({ data: X, shape });

  it('is the registered estimator of the transformer kind', () => {
    expect(ESTIMATORS.transformer).toBe(TransformerEstimator);
  });

  it('writes the same checkpoint bytes as train() on a 3-D file of the same windows, and scores like it', () => {
    expect(Buffer.from(model.toBytes()).equals(readFileSync(run.files.model))).toBe(true);
    const want = loadCheckpoint(run.files.model).score(X, N);
    expect(model.anomalyScore({ data: X, shape })).toEqual(want);
    const p = model.predict({ data: X, shape });
    for (let i = 0; i < N; i++) expect(p[i]).toBe(want[i]! > model.threshold ? -1 : 1);
  });

  it('takes window and sequence options like config.yaml sections', () => {
    const m = new TransformerEstimator({ schema: 'none', dModel: 8, heads: 2, feedForward: 16, sequence: { window: T }, training: { epochs: 1 } });
    expect(m.config.sequence.window).toBe(T);
    expect(m.config.transformer.dModel).toBe(8);
    expect(m.fit({ data: X, shape }).anomalyScore({ data: X, shape }).length).toBe(N);
  });

  it('saves, loads and exports ONNX that dadm runtime scores like the model', () => {
    const again = TransformerEstimator.load(model.toBytes());
    expect(again.anomalyScore({ data: X, shape })).toEqual(model.anomalyScore({ data: X, shape }));
    const got = loadOnnxDetector('model.onnx', model.toOnnx({ dynamicBatch: true })).score(X, N);
    const want = model.anomalyScore({ data: X, shape });
    for (let i = 0; i < N; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[i]!)));
  });

  it('refuses windows of another shape, NaN values (named by window, step and feature) and use before fit', () => {
    expectError(() => new TransformerEstimator().anomalyScore({ data: X, shape }), NotFittedError, /^TransformerEstimator\.anomalyScore: the model must be fitted first/);
    expectError(() => model.anomalyScore({ data: X.subarray(0, 6 * 4 * F), shape: [6, 4, F] }), ShapeError, /^TransformerEstimator\.anomalyScore: X must be windows of shape \[windows, 5, 4\] as at fit, got \[6,4,4\]$/);
    expectError(() => model.anomalyScore({ data: X, shape: [N, T * F] as never }), ShapeError, /X\.shape must be \[windows, steps, features\]/);
    const bad = Float32Array.from(X);
    bad[(7 * T + 2) * F + 3] = NaN;
    expectError(() => new TransformerEstimator({ config: config() }).fit({ data: bad, shape }), DataError, /^TransformerEstimator\.fit: X window 7, step 2, feature 3 must be finite, got NaN$/);
  });
});
