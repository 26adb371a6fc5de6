import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, UsageError } from '../../src/errors.js';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { onnx } from '../../src/onnx/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { exportOnnx } from '../../src/pipeline/export-onnx.js';
import { generateData, train } from '../../src/pipeline/index.js';
import { quantizeModel } from '../../src/pipeline/quantize.js';
import { expectError } from '../tensor/expect-error.js';
import { smallConfig, tempDir } from './helpers.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const dir = tempDir('dadm-quantize-');
const data = join(dir, 'data.npy');
const labels = join(dir, 'labels.npy');
const floatModel = join(dir, 'model.onnx');
const forestModel = join(dir, 'forest.onnx');
const ROWS = 1500;

/** Every output of `path` on `rows [n, 64]` in onnxruntime-web: one batch, or row by row. */
async function ortRun(path: string, rows: Float32Array, n: number, perRow = false): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(readFileSync(path));
  try {
    const step = perRow ? 1 : n;
    const result: Record<string, Float32Array> = {};
    for (let r = 0; r < n; r += step) {
      const out = await session.run({ input: new ort.Tensor('float32', rows.slice(r * 64, (r + step) * 64), [step, 64]) });
      for (const [k, t] of Object.entries(out)) {
        const data = t.data as Float32Array;
        (result[k] ??= new Float32Array((n * data.length) / step)).set(data, (r * data.length) / step);
      }
    }
    return result;
  } finally {
    await session.release();
  }
}

function rowsOf(n: number): Float32Array {
  return Float32Array.from(readNpyFile(data).data.subarray(0, n * 64) as ArrayLike<number>);
}

beforeAll(() => {
  generateData({ rows: ROWS, out: data, seed: 7, anomalyRate: 0.05, labelsOut: labels });
  train({ data, outDir: join(dir, 'ae'), config: smallConfig({ training: { epochs: 3 } }) });
  train({ data, outDir: join(dir, 'if'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 10 } }) });
  exportOnnx({ checkpoint: join(dir, 'ae', 'model.safetensors'), output: floatModel, dynamicBatch: true });
  exportOnnx({ checkpoint: join(dir, 'if', 'model.safetensors'), output: forestModel, dynamicBatch: true });
});

describe('quantizeModel', () => {
  it('by default rewrites only the big hidden layer, shrinks the file and records the settings in the metadata', () => {
    const out = join(dir, 'q.onnx');
    const r = quantizeModel({ model: floatModel, output: out });
    expect(r.changed).toBe(true);
    // 64-16-4-16-64: layers.0 has 1024 weights; layers.1/2 have 64; layers.3 is the reconstruction layer.
    expect(r.report.quantized.map((q) => q.node)).toEqual(['layers.0.MatMul']);
    expect(r.report.skipped.map((q) => [q.node, q.reason.replace(/[:(].*/, '')])).toEqual([
      ['layers.1.MatMul', "weight 'layers.1.weight' has 64 elements, fewer than minWeights "],
      ['layers.2.MatMul', "weight 'layers.2.weight' has 64 elements, fewer than minWeights "],
      ['layers.3.MatMul', 'output layer'],
    ]);
    expect(r.bytesBefore).toBe(readFileSync(floatModel).length);
    expect(r.bytesAfter).toBe(readFileSync(out).length);
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore);
    // The report's sizes are the files' too, metadata included (quantizeDynamic's own figure lacks it).
    expect([r.report.sizeBefore, r.report.sizeAfter]).toEqual([r.bytesBefore, r.bytesAfter]);
    expect(r.check).toBeNull();
    const meta = Object.fromEntries(onnx.decodeModel(readFileSync(out)).metadataProps!.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta['dadm.quantization']!)).toMatchObject({
      weightType: 'int8', perChannel: false, reduceRange: false, minWeights: 1024, keepOutputLayers: true, requireSmaller: true,
      quantizedNodes: ['layers.0.MatMul'],
    });
    expect(meta['dadm.threshold']).toBeDefined();
  });

  it('writes a model that onnxruntime-web and dadm runtime run with the same outputs', async () => {
    const out = join(dir, 'q-pc.onnx');
    quantizeModel({ model: floatModel, output: out, perChannel: true });
    const n = 100;
    const rows = rowsOf(n);
    const ref = await ortRun(out, rows, n);
    const got = loadOnnx(readFileSync(out)).run({ input: { data: rows, shape: [n, 64] } });
    expect(got.score!.data).toBeAllclose(ref.score!, { rtol: 1e-5, atol: 1e-5 });
    expect(got.reconstruction!.data).toBeAllclose(ref.reconstruction!, { rtol: 1e-5, atol: 1e-5 });
  });

  it('reports score differences, rank correlation, flips and ROC-AUC on check data, scored row by row (checked against onnxruntime-web)', async () => {
    const out = join(dir, 'q-check.onnx');
    const r = quantizeModel({ model: floatModel, output: out, checkData: data, labels });
    const c = r.check!;
    expect(c.rows).toBe(ROWS);
    const rows = rowsOf(ROWS);
    const f = (await ortRun(floatModel, rows, ROWS)).score!;
    // Dynamic quantization scales each input tensor as a whole, so the quantized model scores rows one at a time.
    const q = (await ortRun(out, rows, ROWS, true)).score!;
    let maxAbs = 0;
    let flips = 0;
    for (let i = 0; i < ROWS; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(q[i]! - f[i]!));
      if (f[i]! > c.threshold! !== q[i]! > c.threshold!) flips++;
    }
    expect(c.maxAbsDiff).toBeGreaterThan(0);
    expect(c.maxAbsDiff).toBeCloseTo(maxAbs, 5);
    expect(c.flipFraction).toBeCloseTo(flips / ROWS, 10);
    expect(c.spearman).toBeGreaterThan(0.99);
    expect(c.spearman).toBeLessThanOrEqual(1);
    expect(c.floatRocAuc).toBeGreaterThan(0.5);
    expect(Math.abs(c.quantRocAuc! - c.floatRocAuc!)).toBeLessThan(0.02);
  });

  it('gives null ROC-AUC when the labels hold one class, and null flips without a threshold in the model', () => {
    const ones = join(dir, 'zeros.npy');
    writeNpyFile(ones, { data: new Uint8Array(ROWS), shape: [ROWS] });
    const r = quantizeModel({ model: floatModel, output: join(dir, 'q-one.onnx'), checkData: data, labels: ones });
    expect(r.check!.floatRocAuc).toBeNull();
    const m = onnx.decodeModel(readFileSync(floatModel));
    m.metadataProps = m.metadataProps!.filter((p) => p.key !== 'dadm.threshold');
    const bare = join(dir, 'no-threshold.onnx');
    writeFileSync(bare, onnx.encodeModel(m));
    const r2 = quantizeModel({ model: bare, output: join(dir, 'q-bare.onnx'), checkData: data });
    expect([r2.check!.threshold, r2.check!.flipFraction]).toEqual([null, null]);
  });

  it('rewrites all four MatMuls with the selection rules off (onnxruntime behaviour)', () => {
    const r = quantizeModel({ model: floatModel, output: join(dir, 'q-all.onnx'), minWeights: 0, keepOutputLayers: false, requireSmaller: false });
    expect(r.report.quantized.map((q) => q.node)).toEqual(['layers.0.MatMul', 'layers.1.MatMul', 'layers.2.MatMul', 'layers.3.MatMul']);
    expect(r.report.skipped).toEqual([]);
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore);
  });

  it('keeps the small layers in float by size alone when minWeights is 0 (they would not shrink the file)', () => {
    const r = quantizeModel({ model: floatModel, output: join(dir, 'q-min0.onnx'), minWeights: 0 });
    expect(r.report.quantized.map((q) => q.node)).toEqual(['layers.0.MatMul']);
    expect(r.report.skipped.slice(0, 2).map((q) => q.reason)).toEqual([
      expect.stringMatching(/^quantizing would not shrink the model: .* \(requireSmaller\)$/),
      expect.stringMatching(/^quantizing would not shrink the model: .* \(requireSmaller\)$/),
    ]);
  });

  it('keeps excluded nodes in float and says why', () => {
    const r = quantizeModel({ model: floatModel, output: join(dir, 'q-ex.onnx'), exclude: ['layers.3.MatMul'], minWeights: 0, requireSmaller: false, keepOutputLayers: false });
    expect(r.report.quantized).toHaveLength(3);
    expect(r.report.skipped).toEqual([{ node: 'layers.3.MatMul', opType: 'MatMul', reason: 'excluded by nodesToExclude' }]);
  });

  it('writes the input unchanged when there is nothing to quantize (isolation forest)', () => {
    const out = join(dir, 'forest-q.onnx');
    const r = quantizeModel({ model: forestModel, output: out });
    expect(r.changed).toBe(false);
    expect(r.report.quantized).toEqual([]);
    expect(readFileSync(out).equals(readFileSync(forestModel))).toBe(true);
    expect([r.report.sizeBefore, r.report.sizeAfter]).toEqual([readFileSync(forestModel).length, readFileSync(out).length]);
  });

  describe('refuses to overwrite its input', () => {
    const sub = join(dir, 'sub');
    beforeAll(() => {
      mkdirSync(sub, { recursive: true });
      symlinkSync(floatModel, join(sub, 'link.onnx'));
    });
    const before = (): Buffer => readFileSync(floatModel);
    const paths = {
      'the same path': (): string => floatModel,
      'another relative path': (): string => relative(process.cwd(), join(sub, '..', 'model.onnx')),
      'a symbolic link to it': (): string => join(sub, 'link.onnx'),
    };
    for (const [name, output] of Object.entries(paths)) {
      it(`through ${name}`, () => {
        const bytes = before();
        const run = (): unknown => quantizeModel({ model: floatModel, output: output() });
        expectError(run, UsageError, /^quantize: output must not be the same file as model \(it would be overwritten\), got /);
        expect(readFileSync(floatModel).equals(bytes)).toBe(true);
      });
    }
  });

  it('refuses an already quantized model with a clear message', () => {
    const q = join(dir, 'q-again.onnx');
    quantizeModel({ model: floatModel, output: q });
    const run = (): unknown => quantizeModel({ model: q, output: join(dir, 'q-twice.onnx') });
    expectError(run, InvalidOptionError, /model must not be quantized already, got DynamicQuantizeLinear node/);
    expect(existsSync(join(dir, 'q-twice.onnx'))).toBe(false);
  });

  it('throws InvalidOptionError naming the model and its MatMul nodes for an unknown node to exclude, and writes nothing', () => {
    const run = (): unknown => quantizeModel({ model: floatModel, output: join(dir, 'q-bad.onnx'), exclude: ['layers.0.MatMul', 'nope'] });
    expectError(run, InvalidOptionError, /^quantize: exclude entries must name nodes of \S*model\.onnx, got 'nope'; its MatMul\/Gemm nodes: layers\.0\.MatMul, layers\.1\.MatMul, layers\.2\.MatMul, layers\.3\.MatMul$/);
    expect(existsSync(join(dir, 'q-bad.onnx'))).toBe(false);
  });
});
