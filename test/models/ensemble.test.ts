import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError } from '../../src/errors.js';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { EnsembleModel } from '../../src/models/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { standardizeInPlace } from '../../src/schema/index.js';
import { Random } from '../../src/tensor/index.js';
import { drift, explain, exportOnnx, generateData, loadCheckpoint, quantizeModel, score, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { expectError } from '../tensor/expect-error.js';
import { heapGrowthPerCall } from '../runtime/heap-growth.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const dir = tempDir('dadm-ensemble-');
const data = join(dir, 'data.npy');
const generic = join(dir, 'generic.npy');
const forest = { iforest: { nEstimators: 20 }, ensemble: { autoencoderMinSteps: 0 } };
const endpointModel = join(dir, 'ens', 'model.safetensors');
const genericModel = join(dir, 'gens', 'model.safetensors');

/** Rows [n, cols] of a generic table whose columns have large offsets and unequal scales (the scaler matters). */
function genericTable(rows: number, cols: number, seed: number): Float32Array {
  const x = new Random(seed).normalFill(new Float32Array(rows * cols));
  for (let i = 0; i < x.length; i++) x[i] = 100 * (i % cols) + (1 + (i % cols)) * x[i]!;
  return x;
}

beforeAll(() => {
  generateData({ rows: 1500, out: data, seed: 2, anomalyRate: 0.03 });
  writeNpyFile(generic, { data: genericTable(800, 5, 4), shape: [800, 5] });
  train({ data, outDir: join(dir, 'ens'), config: smallConfig({ model: 'ensemble', ...forest }) });
  train({ data: generic, outDir: join(dir, 'gens'), config: smallConfig({ model: 'ensemble', schema: 'none', standardize: true, autoencoder: { hiddenDims: [4, 2] }, ...forest }) });
}, 120_000);

/** The first `n` rows of a .npy as float32, and its width. */
function firstRows(path: string, n: number): { rows: Float32Array; dim: number } {
  const a = readNpyFile(path);
  const dim = a.shape[1]!;
  return { rows: Float32Array.from(a.data.subarray(0, n * dim) as ArrayLike<number>), dim };
}

describe('model: ensemble', () => {
  it('scores the weighted sum over members of (raw score - median) / scale, each member scored on its own', () => {
    const d = loadCheckpoint(endpointModel);
    expect(d.modelType).toBe('ensemble');
    const model = d.model as EnsembleModel;
    expect(model.members.map((m) => m.name)).toEqual(['autoencoder', 'iforest', 'ecod']);
    const { rows } = firstRows(data, 40);
    const x = rows.slice();
    expect(d.standardizer).toBeNull();
    const raw = model.members.map((m) => {
      const out = new Float32Array(40);
      m.model.score(x, 40, out);
      return out;
    });
    const want = Array.from({ length: 40 }, (_, i) => model.members.reduce((s, m, k) => s + (m.weight * (raw[k]![i]! - m.calibration.center)) / m.calibration.scale, 0));
    expect(model.combination).toBe('spread');
    expect(model.members.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 12);
    expect(d.score(rows, 40)).toBeAllclose(want, { rtol: 1e-6, atol: 1e-6 });
    expect(score({ model: endpointModel, data }).scores.subarray(0, 40)).toBeAllclose(want, { rtol: 1e-6, atol: 1e-6 });
    for (const m of model.members) expect(m.calibration.scale).toBeGreaterThan(0);
  });

  it('trains without a member that config members leaves out, and names the member that cannot train', () => {
    const constant = join(dir, 'constant.npy');
    const x = genericTable(300, 3, 9);
    for (let r = 0; r < 300; r++) x[r * 3 + 1] = 7;
    writeNpyFile(constant, { data: x, shape: [300, 3] });
    const base = { model: 'ensemble' as const, schema: 'none' as const, ...forest };
    expectError(
      () => train({ data: constant, outDir: join(dir, 'c3'), config: smallConfig(base) }),
      DataError,
      /^ensemble: member ecod must train on this data, got: ECOD\.fit: X column 1 must not be constant .* \(leave it out with ensemble\.members: \[autoencoder, iforest\]\)$/,
    );
    const kept = train({ data: constant, outDir: join(dir, 'c2'), config: smallConfig({ ...base, ensemble: { members: ['autoencoder', 'iforest'], autoencoderMinSteps: 0 } }) });
    const model = loadCheckpoint(kept.files.model).model as EnsembleModel;
    expect(model.members.map((m) => m.name)).toEqual(['autoencoder', 'iforest']);

    const one = join(dir, 'one.npy');
    writeNpyFile(one, { data: genericTable(1, 3, 1), shape: [1, 3] });
    expectError(
      () => train({ data: one, outDir: join(dir, 'o'), config: smallConfig({ ...base, training: { validationFraction: 0 } }) }),
      DataError,
      /^ensemble: member iforest must train on this data, got: IsolationForest\.fit: X must have at least 2 rows, got 1 \(leave it out with ensemble\.members: \[autoencoder, ecod\]\)$/,
    );
  });

  it('combination mean gives every member the weight 1/members; the autoencoder member is no wider than half its input', () => {
    const out = train({ data: generic, outDir: join(dir, 'mean'), config: smallConfig({ model: 'ensemble', schema: 'none', standardize: true, ...forest, ensemble: { combination: 'mean', autoencoderMinSteps: 0 } }) });
    const model = loadCheckpoint(out.files.model).model as EnsembleModel;
    expect(model.members.map((m) => m.weight)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    // 5 input columns, hidden_dims [16, 4] and autoencoder_width_ratio 0.5: [max(2, 2), max(2, 1)].
    expect(model.describe()).toMatchObject({ members: 3, 'autoencoder Linear': 4 });
    expect(JSON.parse(loadCheckpoint(out.files.model).metadata['autoencoder.architecture']!).hidden_dims).toEqual([2, 2]);
  });

  it('refuses members that are fewer than 2, repeated or unknown', () => {
    for (const members of [['ecod'], ['ecod', 'ecod'], ['ecod', 'pca']]) {
      expectError(() => smallConfig({ ensemble: { members: members as never } }), InvalidOptionError, /^options: ensemble\.members must be a list of 2 or 3 distinct names among autoencoder, iforest, ecod, got /);
    }
  });
});

describe('model: ensemble through export-onnx, quantize, explain and drift', () => {
  for (const c of [
    { name: 'endpoint-v1', model: endpointModel, data, dynamicBatch: true },
    { name: 'generic with scaler, batch 1', model: genericModel, data: generic, dynamicBatch: false },
  ]) {
    it(`one ONNX graph: onnxruntime-web and dadm's runtime agree with the checkpoint <= 1e-5, member scores as extra outputs (${c.name})`, async () => {
      const out = join(dir, `${c.name.replace(/\W+/g, '-')}.onnx`);
      exportOnnx({ checkpoint: c.model, output: out, dynamicBatch: c.dynamicBatch });
      const d = loadCheckpoint(c.model);
      const model = d.model as EnsembleModel;
      const n = 24;
      const { rows, dim } = firstRows(c.data, n);
      const ref = d.score(rows, n);
      const x = rows.slice();
      if (d.standardizer !== null) standardizeInPlace(d.standardizer, x, n);
      const members = model.memberScores(x, n);
      const session = await ort.InferenceSession.create(readFileSync(out));
      try {
        expect(session.outputNames).toEqual(['score', 'autoencoder.score', 'iforest.score', 'ecod.score']);
        const step = c.dynamicBatch ? n : 1;
        for (let r = 0; r < n; r += step) {
          const got = await session.run({ input: new ort.Tensor('float32', rows.slice(r * dim, (r + step) * dim), [step, dim]) });
          const tol = (want: ArrayLike<number>): { rtol: number; atol: number } => ({ rtol: 0, atol: 1e-5 * Math.max(1, ...Array.from(want, Math.abs)) });
          const want = ref.subarray(r, r + step);
          expect(got.score!.data as Float32Array).toBeAllclose(want, tol(want));
          model.members.forEach((m, k) => {
            const w = members[k]!.subarray(r, r + step);
            expect(got[`${m.name}.score`]!.data as Float32Array).toBeAllclose(w, tol(w));
          });
        }
      } finally {
        await session.release();
      }
      const first = c.dynamicBatch ? n : 1;
      const own = loadOnnx(readFileSync(out)).run({ input: { data: rows.subarray(0, first * dim), shape: [first, dim] } });
      expect(own.score!.data).toBeAllclose(ref.subarray(0, first), { rtol: 0, atol: 1e-5 * Math.max(1, ...Array.from(ref, Math.abs)) });
    });
  }

  it("dadm's runtime scores single rows without allocating: heap growth over 10^5 score(row) calls under 4 bytes a call", () => {
    const out = join(dir, 'allocation.onnx');
    exportOnnx({ checkpoint: endpointModel, output: out });
    const model = loadOnnx(readFileSync(out));
    const { rows, dim } = firstRows(data, 16);
    const each = Array.from({ length: 16 }, (_, i) => rows.slice(i * dim, (i + 1) * dim));
    const calls = (n: number): number => {
      let sink = 0;
      for (let i = 0; i < n; i++) sink += model.score(each[i % 16]!);
      return sink;
    };
    // This process trained first, which is what once made each gemv call allocate (src/tensor/wasm/gemm.ts).
    const perCall = heapGrowthPerCall(calls);
    expect(perCall.length).toBeGreaterThan(0);
    // The smallest object, a boxed number, is 16 bytes: under 4 bytes a call, most calls allocate nothing.
    expect(Math.min(...perCall)).toBeLessThan(4);
  });

  it('quantize rewrites the autoencoder MatMuls and leaves the forest, ECOD and the combination in float', () => {
    const float = join(dir, 'q-float.onnx');
    exportOnnx({ checkpoint: endpointModel, output: float, dynamicBatch: true });
    const r = quantizeModel({ model: float, output: join(dir, 'q-int8.onnx'), checkData: data, requireSmaller: false, minWeights: 0 });
    expect(r.changed).toBe(true);
    expect(r.report.quantized.length).toBeGreaterThan(0);
    for (const node of r.report.quantized) expect(node.node).toMatch(/^autoencoder\./);
    expect(r.check!.spearman).toBeGreaterThan(0.99);
    expect(r.bytesAfter).toBeGreaterThan(0);
  });

  it('explain: Shapley values of the combined score are efficient (sum = score - base value)', () => {
    const r = explain({ model: genericModel, data: generic, method: 'shap', topK: 5, backgroundRows: 10, rows: [0, 1, 2] });
    expect(r.modelType).toBe('ensemble');
    const ref = score({ model: genericModel, data: generic }).scores;
    for (const row of r.explained) {
      expect(row.score).toBeAllclose(ref[row.row]!, { rtol: 1e-5, atol: 1e-6 });
      expect(row.top.reduce((s, f) => s + f.contribution, 0)).toBeAllclose(row.score - row.baseValue!, { rtol: 1e-4, atol: 1e-5 });
    }
  });

  it('drift: the score drift of the ensemble is ok on data like the training rows', () => {
    const r = drift({ reference: join(dir, 'ens', 'drift_reference.npz'), current: data, model: endpointModel });
    expect(r.score?.modelType).toBe('ensemble');
    expect(r.score!.status).toBe('ok');
  });
});
