import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, FormatError, InvalidOptionError, TrainingError } from '../../src/errors.js';
import { npyStrings, readNpyFile, readNpzTyped, readSafetensorsFile, writeNpyFile } from '../../src/io/index.js';
import { ENDPOINT_V1, fitStandardizer } from '../../src/schema/index.js';
import { Random } from '../../src/tensor/index.js';
import { configToYaml, generateData, loadCheckpoint, parseConfig, readCheckpoint, score, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from './helpers.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

const dir = tempDir();
const data = join(dir, 'data.npy');
const labels = join(dir, 'labels.npy');

beforeAll(() => {
  generateData({ rows: 4000, out: data, seed: 1, anomalyRate: 0.03, labelsOut: labels });
});

/** Naive ROC-AUC: share of (positive, negative) pairs ranked correctly, ties 1/2. */
function naiveAuc(s: Float32Array, y: Uint8Array): number {
  let good = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      good += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return good / pairs;
}

describe('threshold.method', () => {
  it('target_fpr flags at most that share of validation rows, contamination that share, and metrics.json names the rule', () => {
    const base = { epochs: 1 };
    const q = train({ data, outDir: join(dir, 'th-q'), config: smallConfig({ training: base, threshold: { method: 'quantile', quantile: 0.95 } }) });
    const fpr = train({ data, outDir: join(dir, 'th-fpr'), config: smallConfig({ training: base, threshold: { method: 'target_fpr', targetFpr: 0.05 } }) });
    const cont = train({ data, outDir: join(dir, 'th-c'), config: smallConfig({ training: base, threshold: { method: 'contamination', contamination: 0.2 } }) });
    // Same weights (same seed): only the rule differs.
    expect(fpr.metrics.flaggedFraction).toBeLessThanOrEqual(0.05 + 1 / fpr.metrics.validationRows);
    expect(cont.metrics.flaggedFraction).toBeAllclose(0.2, { atol: 1 / cont.metrics.validationRows });
    expect(cont.metrics.threshold).toBeLessThan(q.metrics.threshold);
    const m = JSON.parse(readFileSync(fpr.files.metrics, 'utf8')) as Record<string, unknown>;
    expect(m).toMatchObject({ threshold_method: 'validation-target-fpr', threshold_quantile: null });
  });

  it('refuses an unknown method naming the choices', () => {
    expectError(() => parseConfig('threshold:\n  method: f1'), InvalidOptionError, /threshold\.method must be one of quantile, contamination, target_fpr, got 'f1'$/);
  });
});

describe('train (autoencoder)', () => {
  it('writes a byte-identical model.safetensors for the same seed, data and config', () => {
    const a = train({ data, outDir: join(dir, 'a'), config: smallConfig() });
    train({ data, outDir: join(dir, 'b'), config: smallConfig() });
    const c = train({ data, outDir: join(dir, 'c'), config: smallConfig(), seed: 1 });
    const bytesA = readFileSync(a.files.model);
    expect(bytesA.equals(readFileSync(join(dir, 'b', 'model.safetensors')))).toBe(true);
    expect(bytesA.equals(readFileSync(c.files.model))).toBe(false);
    expect(readFileSync(a.files.driftReference).equals(readFileSync(join(dir, 'b', 'drift_reference.npz')))).toBe(true);
  });

  it('records format, schema, config, threshold and PyTorch state-dict names in the checkpoint', () => {
    const { tensors, metadata } = readSafetensorsFile(join(dir, 'a', 'model.safetensors'));
    expect(metadata.format).toBe('dadm-checkpoint');
    expect(metadata.model_type).toBe('autoencoder');
    expect(metadata.schema_hash).toBe(ENDPOINT_V1.hash);
    expect(metadata.schema_name).toBe('endpoint-v1');
    expect(metadata.schema_version).toBe(ENDPOINT_V1.version);
    expect(JSON.parse(metadata.feature_names!)).toEqual(ENDPOINT_V1.featureNames.slice(0, 12));
    expect(parseConfig(metadata.config!)).toEqual(smallConfig());
    expect(metadata.config).toBe(configToYaml(smallConfig()));
    expect(Number.isFinite(JSON.parse(metadata.threshold!))).toBe(true);
    expect(metadata.threshold_method).toBe('validation-quantile');
    expect(tensors.get('encoder.0.weight')).toMatchObject({ dtype: 'F32', shape: [16, 64] });
    expect(tensors.get('encoder.2.weight')).toMatchObject({ dtype: 'F32', shape: [4, 16] });
    expect(tensors.get('decoder.2.bias')).toMatchObject({ dtype: 'F32', shape: [64] });
    expect(tensors.has('scaler.mean')).toBe(false);
    const metrics = JSON.parse(readFileSync(join(dir, 'a', 'metrics.json'), 'utf8'));
    expect(metrics.epochs).toHaveLength(3);
    expect(metrics.threshold).toBe(JSON.parse(metadata.threshold!));
    expect(metrics.training_rows + metrics.validation_rows).toBe(4000);
    expect(metrics).toMatchObject({ format: 'dadm-metrics', schema_name: 'endpoint-v1', schema_version: ENDPOINT_V1.version, schema_hash: ENDPOINT_V1.hash });
  });

  it('writes drift_reference.npz with deciles and floored proportions of every active feature', () => {
    const z = readNpzTyped(readFileSync(join(dir, 'a', 'drift_reference.npz')), 'drift_reference.npz', { text: true });
    for (const m of ['feature_names', 'feature_index', 'schema_name', 'schema_version', 'edges', 'proportions', 'sample', 'sample_index', 'score_edges', 'score_proportions', 'score_sample', 'score_threshold', 'rows', 'exact', 'floor', 'schema_hash']) {
      expect(z.has(m), m).toBe(true);
    }
    expect(z.get('edges')!.shape).toEqual([12, 9]);
    expect(z.get('proportions')!.shape).toEqual([12, 10]);
    expect(z.get('sample')!.shape).toEqual([4000, 12]);
    const text = (name: string): string[] => npyStrings(z.get(name)!, name);
    expect(text('feature_names')).toEqual(ENDPOINT_V1.featureNames.slice(0, 12));
    expect(text('schema_name')).toEqual(['endpoint-v1']);
    expect(text('schema_version')).toEqual([ENDPOINT_V1.version]);
    // Independent check of feature 0: numpy-linear deciles of the column.
    const x = readNpyFileRows(data);
    const col = Float64Array.from({ length: 4000 }, (_, i) => x[i * 64]!).sort();
    for (let k = 1; k < 10; k++) {
      const h = 3999 * (k / 10);
      const lo = Math.floor(h);
      const want = col[lo]! + (col[Math.min(lo + 1, 3999)]! - col[lo]!) * (h - lo);
      expect(z.get('edges')!.data[k - 1]).toBeCloseTo(want, 5);
    }
    const p = Array.from(z.get('proportions')!.data.slice(0, 10) as Float64Array);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });

  it('scores labelled synthetic data with ROC-AUC well above 0.5', () => {
    const r = score({ model: join(dir, 'a', 'model.safetensors'), data, labels, output: join(dir, 'scores.npy') });
    const y = Uint8Array.from(readNpyFileRows(labels));
    expect(r.labels!.rocAuc).toBeCloseTo(naiveAuc(r.scores, y), 10);
    expect(r.labels!.rocAuc!).toBeGreaterThan(0.8);
    expect(r.labels!.positives).toBe(120);
    expect(Array.from(readNpyFileRows(join(dir, 'scores.npy')))).toEqual(Array.from(r.scores));
  });

  it('score with labels gives operating points at 0.1%, 1% and 5% FPR; without labels the implied FPR of the threshold', () => {
    const model = join(dir, 'a', 'model.safetensors');
    const r = score({ model, data, labels });
    const y = Uint8Array.from(readNpyFileRows(labels));
    const negatives = Array.from(r.scores).filter((_, i) => y[i] === 0).sort((a, b) => b - a);
    expect(r.labels!.operatingPoints).toHaveLength(3);
    [0.001, 0.01, 0.05].forEach((a, k) => {
      const p = r.labels!.operatingPoints[k]!;
      // The (floor(a N) + 1)-th largest normal score: at most floor(a N) normal rows lie above it.
      expect(p.threshold).toBe(negatives[Math.floor(a * negatives.length)]);
      let tp = 0;
      let fp = 0;
      r.scores.forEach((s, i) => {
        if (s > p.threshold) y[i] === 1 ? tp++ : fp++;
      });
      expect({ tp: p.tp, fp: p.fp }).toEqual({ tp, fp });
      expect(p.fp).toBeLessThanOrEqual(Math.floor(a * negatives.length));
      expect(p.f1).toBeCloseTo((2 * tp) / (2 * tp + fp + (120 - tp)), 12);
    });
    expect(r.labels!.bestF1!.f1).toBeGreaterThanOrEqual(Math.max(r.labels!.f1, ...r.labels!.operatingPoints.map((p) => p.f1)));
    const unlabelled = score({ model, data });
    expect(unlabelled.impliedFpr).toBe(readCheckpoint(model).thresholdFpr);
    expect(unlabelled.impliedFpr!).toBeGreaterThan(0);
    expect(unlabelled.impliedFpr!).toBeLessThan(0.05);
  });

  it('score --output into a missing folder names the requested file and the folder, not a temp file', () => {
    const out = join(dir, 'no-such-folder', 'scores.npy');
    const run = () => score({ model: join(dir, 'a', 'model.safetensors'), data, output: out });
    expectError(run, InvalidOptionError, new RegExp(`^${escapeRegExp(out)}: output folder ${escapeRegExp(join(dir, 'no-such-folder'))} must exist, got ENOENT \\(the folder does not exist\\)$`));
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  });

  it('--init-checkpoint starts from the given weights (a step of 1e-30 leaves them bit-identical)', () => {
    const init = readSafetensorsFile(join(dir, 'a', 'model.safetensors')).tensors;
    const config = smallConfig({ training: { epochs: 1, learningRate: 1e-30 } });
    const resumed = train({ data, outDir: join(dir, 'init'), config, initCheckpoint: join(dir, 'a', 'model.safetensors') });
    const fresh = train({ data, outDir: join(dir, 'no-init'), config });
    const got = readSafetensorsFile(resumed.files.model);
    const freshWeights = readSafetensorsFile(fresh.files.model).tensors;
    expect([...got.tensors.keys()].sort()).toEqual([...init.keys()].sort());
    for (const [name, t] of init) {
      expect(Array.from(got.tensors.get(name)!.data as Float32Array), name).toEqual(Array.from(t.data as Float32Array));
    }
    // Without the init file the same run keeps its own seeded initialization, which differs.
    expect(Array.from(freshWeights.get('encoder.0.weight')!.data as Float32Array)).not.toEqual(Array.from(init.get('encoder.0.weight')!.data as Float32Array));
    expect(JSON.parse(got.metadata.training!).init_checkpoint).toBe('yes');
    // Starting from trained weights, the first epoch's loss is the trained model's, far below a fresh start's.
    expect(resumed.metrics.epochs[0]!.trainLoss).toBeLessThan(fresh.metrics.epochs[0]!.trainLoss / 2);
  });

  it('loadCheckpoint scores rows like the score step', () => {
    const model = loadCheckpoint(join(dir, 'a', 'model.safetensors'));
    const x = readNpyFileRows(data).subarray(0, 10 * 64);
    const s = model.score(x, 10);
    const all = score({ model: join(dir, 'a', 'model.safetensors'), data }).scores;
    expect(Array.from(s)).toEqual(Array.from(all.subarray(0, 10)));
    expect(model.schema.name).toBe('endpoint-v1');
  });

  it('trains in generic mode with a standardizer fitted on the whole file (stored as F64 tensors)', () => {
    const rng = new Random(3);
    const rows = 600;
    const x = new Float32Array(rows * 5);
    for (let i = 0; i < x.length; i++) x[i] = 100 + 20 * rng.normal() + (i % 5);
    writeNpyFile(join(dir, 'generic.npy'), { data: x, shape: [rows, 5] });
    const r = train({ data: join(dir, 'generic.npy'), outDir: join(dir, 'g'), config: smallConfig({ schema: 'none', standardize: true, autoencoder: { hiddenDims: [3, 2] } }) });
    const { tensors, metadata } = readSafetensorsFile(r.files.model);
    expect(metadata.schema_name).toBe('generic');
    const want = fitStandardizer(x, rows, 5);
    expect(tensors.get('scaler.mean')!.dtype).toBe('F64');
    expect(tensors.get('scaler.mean')!.data).toBeAllclose(want.mean, { rtol: 1e-12 });
    expect(tensors.get('scaler.std')!.data).toBeAllclose(want.scale, { rtol: 1e-12 });
  });

  it('uses the training rows for the threshold when validation_fraction is 0', () => {
    const r = train({ data, outDir: join(dir, 'nv'), config: smallConfig({ training: { validationFraction: 0, epochs: 1 } }) });
    expect(r.metrics.validationRows).toBe(0);
    expect(r.metrics.thresholdMethod).toBe('training-quantile');
  });
});

describe('train (isolation forest)', () => {
  it('writes forest tensors and scores anomalies above normal rows', () => {
    const r = train({ data, outDir: join(dir, 'f'), config: smallConfig({ iforest: { nEstimators: 20 } }), model: 'iforest' });
    const { tensors, metadata } = readSafetensorsFile(r.files.model);
    expect(metadata.model_type).toBe('iforest');
    expect(tensors.get('trees.children_left')!.dtype).toBe('I32');
    expect(tensors.get('trees.threshold')!.dtype).toBe('F64');
    expect(tensors.get('trees.node_offsets')!.shape).toEqual([21]);
    const s = score({ model: r.files.model, data, labels });
    expect(s.labels!.rocAuc!).toBeGreaterThan(0.6);
    const again = train({ data, outDir: join(dir, 'f2'), config: smallConfig({ iforest: { nEstimators: 20 } }), model: 'iforest' });
    expect(readFileSync(again.files.model).equals(readFileSync(r.files.model))).toBe(true);
  });

  it('takes the threshold from a numeric contamination', () => {
    const r = train({ data, outDir: join(dir, 'fc'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 10, contamination: 0.05 } }) });
    expect(r.metrics.thresholdMethod).toBe('iforest-contamination');
    expect(r.metrics.threshold).toBeGreaterThan(0);
    expect(r.metrics.threshold).toBeLessThan(1);
  });
});

describe('train errors write nothing', () => {
  function expectNothingWritten(out: string): void {
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }

  it('names row and column of a NaN', () => {
    const x = readNpyFileRows(data).slice(0, 300 * 64);
    x[137 * 64 + 5] = Number.NaN;
    writeNpyFile(join(dir, 'nan.npy'), { data: x, shape: [300, 64] });
    const out = join(dir, 'out-nan');
    expectError(() => train({ data: join(dir, 'nan.npy'), outDir: out, config: smallConfig() }), DataError, /nan\.npy: row 137, column 5 must be finite, got NaN$/);
    expectNothingWritten(out);
  });

  it('says what width was expected and how to train on other data (schema: none)', () => {
    writeNpyFile(join(dir, 'w10.npy'), { data: new Float32Array(50 * 10), shape: [50, 10] });
    expectError(() => train({ data: join(dir, 'w10.npy'), outDir: join(dir, 'out-w'), config: smallConfig() }), DataError, /w10\.npy: width must be 64 \(schema endpoint-v1: 12 features \+ 52 zero padding\), got 10; for data that is not the endpoint schema set `schema: none` in config\.yaml$/);
    expectNothingWritten(join(dir, 'out-w'));
  });

  it('refuses 0 rows, a truncated file and a file that is not .npy', () => {
    writeNpyFile(join(dir, 'empty.npy'), { data: new Float32Array(0), shape: [0, 64] });
    expectError(() => train({ data: join(dir, 'empty.npy'), outDir: join(dir, 'o1'), config: smallConfig() }), DataError, /empty\.npy: rows must be at least 1, got 0$/);
    const bytes = readFileSync(data);
    writeFileSync(join(dir, 'trunc.npy'), bytes.subarray(0, bytes.length - 100));
    expectError(() => train({ data: join(dir, 'trunc.npy'), outDir: join(dir, 'o2'), config: smallConfig() }), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'trunc.npy'))}: array data must be 1024000 bytes for <f4 \\[4000,64\\], got 1023900 \\(file truncated\\)$`));
    writeFileSync(join(dir, 'text.npy'), 'a,b,c\n1,2,3\n');
    expectError(() => train({ data: join(dir, 'text.npy'), outDir: join(dir, 'o3'), config: smallConfig() }), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'text.npy'))}: an \\.npy file must start with the magic string \\\\x93NUMPY, got "a,b,c\\\\x0a"$`));
    for (const o of ['o1', 'o2', 'o3']) expectNothingWritten(join(dir, o));
  });

  it('throws TrainingError naming epoch and step when the loss becomes NaN', () => {
    const out = join(dir, 'out-lr');
    const config = smallConfig({ training: { learningRate: 1e30 } });
    expectError(() => train({ data, outDir: out, config }), TrainingError, /^train: loss must be finite, got (NaN|Infinity) at epoch \d+, step \d+ of \d+/);
    expectNothingWritten(out);
  });

  it('rejects a --init-checkpoint of another architecture', () => {
    const run = () => train({ data, outDir: join(dir, 'o4'), config: smallConfig({ autoencoder: { hiddenDims: [8, 4] } }), initCheckpoint: join(dir, 'a', 'model.safetensors') });
    expectError(run, InvalidOptionError, /^train: --init-checkpoint architecture must match the config \{"input_dim":64,"hidden_dims":\[8,4\].*\}, got \{"input_dim":64,"hidden_dims":\[16,4\]/);
    expectNothingWritten(join(dir, 'o4'));
  });
});

function readNpyFileRows(path: string): Float32Array {
  return readNpyFile(path).data;
}
