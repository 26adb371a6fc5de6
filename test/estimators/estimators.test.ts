/**
 * The in-memory estimators against the file path: for every registered kind, `new Cls({ config })`
 * fitted on a matrix writes the same model.safetensors bytes as `train()` on an .npy of the same rows;
 * scores equal the loaded checkpoint's; save/load and toOnnx round trips; typed errors for bad input.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { defaultConfig, mergeConfig, type DadmConfig, type ModelKind } from '../../src/config/index.js';
import { DataError, FormatError, InvalidOptionError, NotFittedError, ShapeError } from '../../src/errors.js';
import { Autoencoder, ESTIMATORS, IForest } from '../../src/estimators/index.js';
import { writeNpyFile } from '../../src/io/index.js';
import { loadCheckpoint, loadOnnxDetector, modelKinds } from '../../src/models/index.js';
import { train } from '../../src/pipeline/index.js';
import { Random } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';

const dir = mkdtempSync(join(tmpdir(), 'dadm-estimators-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 240;
const COLS = 5;
/**
 * Correlated columns with a few planted outliers (rows 0..4 far out on three columns, so that ECOD, which
 * sums per-column tail evidence, ranks them first too), in raw (unstandardized) units.
 */
function table(seed: number): Float32Array {
  const rng = new Random(seed);
  const x = rng.normalFill(new Float32Array(ROWS * COLS));
  for (let r = 0; r < ROWS; r++) {
    x[r * COLS + 1] = 3 * x[r * COLS]! + 0.1 * x[r * COLS + 1]! + 10;
    if (r < 5) for (const c of [2, 3, 4]) x[r * COLS + c] = 25 + r;
  }
  return x;
}
const X = table(1);
const shape = [ROWS, COLS] as const;
const dataPath = join(dir, 'x.npy');
writeNpyFile(dataPath, { data: X, shape });

/** A small, fast config of a kind, as a user would write it for a generic table. */
function configFor(kind: ModelKind, seed = 3): DadmConfig {
  return mergeConfig(
    { model: kind, schema: 'none', standardize: true, training: { epochs: 2, seed, batchSize: 32 }, autoencoder: { hiddenDims: [4, 2] }, iforest: { nEstimators: 10 } },
    defaultConfig(),
  );
}

function rowsOf(x: Float32Array): number[][] {
  return Array.from({ length: ROWS }, (_, r) => Array.from(x.subarray(r * COLS, (r + 1) * COLS)));
}

// The sequence kind's estimator reads windows: test/estimators/transformer.test.ts.
describe.each(modelKinds().filter((k) => k.inputForm === 'rows').map((k) => k.name))('the %s estimator', (kind) => {
  const Cls = ESTIMATORS[kind];
  const outDir = join(dir, `out-${kind}`);
  const run = train({ data: dataPath, outDir, config: configFor(kind) });
  const fileBytes = readFileSync(run.files.model);
  const model = new Cls({ config: configFor(kind) }).fit({ data: X, shape });

  it('writes the same checkpoint bytes as train() on a file of the same rows, and other bytes for another seed', () => {
    expect(Buffer.from(model.toBytes()).equals(fileBytes)).toBe(true);
    const other = new Cls({ config: configFor(kind, 4) }).fit({ data: X, shape });
    expect(Buffer.from(other.toBytes()).equals(fileBytes)).toBe(false);
  });

  it('takes number[][] rows with the same result as a Float32Array and shape', () => {
    const fromRows = new Cls({ config: configFor(kind) }).fit(rowsOf(X));
    expect(Buffer.from(fromRows.toBytes()).equals(fileBytes)).toBe(true);
  });

  it('scores like the checkpoint file, with scikit-learn sign conventions', () => {
    const want = loadCheckpoint(run.files.model).score(X, ROWS);
    const score = model.anomalyScore({ data: X, shape });
    expect(score).toEqual(want);
    expect(model.threshold).toBe(run.metrics.threshold);
    expect(model.offset).toBe(-run.metrics.threshold);
    expect(model.scoreSamples(rowsOf(X))).toEqual(want.map((v) => -v));
    const d = model.decisionFunction({ data: X, shape });
    const p = model.predict({ data: X, shape });
    for (let i = 0; i < ROWS; i++) {
      expect(d[i]).toBe(run.metrics.threshold - want[i]!);
      expect(p[i]).toBe(want[i]! > run.metrics.threshold ? -1 : 1);
    }
    // The planted rows are the most anomalous ones.
    for (let i = 0; i < 5; i++) expect(p[i]).toBe(-1);
    expect(model.nFeaturesIn).toBe(COLS);
    expect(model.config.model).toBe(kind);
  });

  it('saves and loads by path and by bytes; load refuses another kind', () => {
    const path = join(dir, `${kind}.safetensors`);
    model.save(path);
    expect(readFileSync(path).equals(fileBytes)).toBe(true);
    const byPath = Cls.load(path);
    const byBytes = Cls.load(model.toBytes());
    expect(byPath.anomalyScore({ data: X, shape })).toEqual(model.anomalyScore({ data: X, shape }));
    expect(byBytes.predict({ data: X, shape })).toEqual(model.predict({ data: X, shape }));
    expect(byPath.epochs).toBeNull();
    expect(model.epochs!.length).toBeGreaterThan(0);
    const otherKind = modelKinds().find((k) => k.name !== kind && k.inputForm === 'rows')!.name;
    expectError(() => ESTIMATORS[otherKind].load(path), FormatError, new RegExp(`model_type must be ${otherKind} for \\w+\\.load, got ${kind}`));
  });

  it('exports ONNX that dadm runtime scores like the model', () => {
    const bytes = model.toOnnx({ dynamicBatch: true });
    const got = loadOnnxDetector('model.onnx', bytes).score(X, ROWS);
    const want = model.anomalyScore({ data: X, shape });
    for (let i = 0; i < ROWS; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[i]!)));
    expectError(() => model.toOnnx({ opset: 3 }), InvalidOptionError, /opset/);
  });

  it('raises NotFittedError before fit, naming the method', () => {
    const fresh = new Cls();
    expect(fresh.isFitted).toBe(false);
    expectError(() => fresh.predict([[1, 2]]), NotFittedError, /^\w+\.predict: the model must be fitted first/);
    expectError(() => fresh.threshold, NotFittedError, /^\w+\.threshold: the model must be fitted first/);
    expectError(() => fresh.toOnnx(), NotFittedError, /toOnnx: the model must be fitted first/);
  });

  it('refuses bad inputs with typed errors naming row, column and shape', () => {
    expectError(() => model.anomalyScore({ data: new Float32Array(8), shape: [2, 4] }), ShapeError, /anomalyScore: X must have 5 columns as at fit, got 4/);
    expectError(() => model.predict([[1, 2, 3, 4, 5], [1, 2]]), ShapeError, /predict: X row 1 must be an array of 5 numbers as row 0, got 2 values/);
    expectError(() => model.scoreSamples([[1, 2, 3, 4, '5' as unknown as number]]), DataError, /scoreSamples: X row 0, column 4 must be a number, got string/);
    expectError(() => model.decisionFunction([[1, 2, NaN, 4, 5]]), DataError, /decisionFunction: X row 0, column 2 must be finite, got NaN/);
    expectError(() => new Cls().fit([[1, 2, 3]]), DataError, /fit: X must have at least 2 rows, got 1/);
    expectError(() => new Cls({ schema: 'endpoint-v1' }).fit({ data: X, shape }), DataError, /X: width must be 64 \(schema endpoint-v1.*got 5/);
  });
});

describe('estimator options', () => {
  it('maps a kind section and the shared sections onto the config', () => {
    const ae = new Autoencoder({ hiddenDims: [8, 3], activation: 'tanh', training: { epochs: 1 }, threshold: { quantile: 0.95 } });
    expect(ae.config.autoencoder).toEqual({ hiddenDims: [8, 3], activation: 'tanh' });
    expect(ae.config.training.epochs).toBe(1);
    expect(ae.config.threshold.quantile).toBe(0.95);
    expect(ae.config.schema).toBe('none');
    expect(ae.config.standardize).toBe(true);
    expect(new IForest({ nEstimators: 7, contamination: 0.1 }).config.iforest).toMatchObject({ nEstimators: 7, contamination: 0.1 });
  });

  it('refuses unknown options and values config.yaml refuses', () => {
    expectError(() => new Autoencoder({ hiddenDim: [4] } as never), InvalidOptionError, /hiddenDim/);
    expectError(() => new IForest({ nEstimators: 0 }), InvalidOptionError, /nEstimators|n_estimators/);
    expectError(() => new Autoencoder({ training: { learningRate: -1 } }), InvalidOptionError, /learningRate|learning_rate/);
    expectError(() => new IForest(null as never), InvalidOptionError, /^IForest: options must be an object, got null/);
  });

  it('takes a numeric contamination as the forest threshold, as train() does', () => {
    const f = new IForest({ nEstimators: 10, contamination: 0.05, training: { seed: 0 } }).fit({ data: X, shape });
    expect(f.detector.thresholdMethod).toBe('iforest-contamination');
    const flagged = f.predict({ data: X, shape }).filter((v) => v === -1).length;
    // The contamination share of the training rows (90% of 240) lies beyond the threshold.
    expect(flagged).toBeGreaterThanOrEqual(8);
    expect(flagged).toBeLessThanOrEqual(16);
  });
});
