import { existsSync, linkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError, UsageError } from '../../src/errors.js';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { onnx } from '../../src/onnx/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { ENDPOINT_V1 } from '../../src/schema/index.js';
import { Random } from '../../src/tensor/index.js';
import { rawThresholdFor } from '../../src/models/index.js';
import { exportOnnx } from '../../src/pipeline/export-onnx.js';
import { generateData, loadCheckpoint, train } from '../../src/pipeline/index.js';
import { expectError } from '../tensor/expect-error.js';
import { smallConfig, tempDir } from './helpers.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const dir = tempDir('dadm-export-onnx-');
const data = join(dir, 'data.npy');
const generic = join(dir, 'generic.npy');
const N = 64;

/** Scores `rows [n, D]` in onnxruntime-web, one row at a time for a fixed batch of 1. */
async function ortScores(path: string, rows: Float32Array, n: number, dim: number, batch: boolean): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(readFileSync(path));
  const out = new Float32Array(n);
  try {
    const step = batch ? n : 1;
    for (let r = 0; r < n; r += step) {
      const x = new ort.Tensor('float32', rows.slice(r * dim, (r + step) * dim), [step, dim]);
      out.set((await session.run({ input: x })).score!.data as Float32Array, r);
    }
  } finally {
    await session.release();
  }
  return out;
}

function firstRows(path: string, n: number): { rows: Float32Array; dim: number } {
  const a = readNpyFile(path);
  const dim = a.shape[1]!;
  return { rows: Float32Array.from(a.data.subarray(0, n * dim) as ArrayLike<number>), dim };
}

beforeAll(() => {
  generateData({ rows: 2000, out: data, seed: 3, anomalyRate: 0.03 });
  // Generic table with large offsets and unequal scales, so the scaler matters.
  const rng = new Random(5);
  const cols = 6;
  const x = rng.normalFill(new Float32Array(1500 * cols));
  for (let i = 0; i < x.length; i++) x[i] = 100 * (i % cols) + (1 + (i % cols)) * x[i]!;
  writeNpyFile(generic, { data: x, shape: [1500, cols] });
  const forest = { iforest: { nEstimators: 25 } };
  const scaled = { schema: 'none' as const, standardize: true, autoencoder: { hiddenDims: [4, 2] } };
  train({ data, outDir: join(dir, 'ae'), config: smallConfig({ training: { epochs: 2 } }) });
  train({ data, outDir: join(dir, 'ae13'), config: smallConfig({ training: { epochs: 1 }, onnx: { opset: 13, dynamicBatch: true } }) });
  train({ data, outDir: join(dir, 'if'), config: smallConfig({ model: 'iforest', ...forest }) });
  train({ data: generic, outDir: join(dir, 'gae'), config: smallConfig(scaled) });
  train({ data: generic, outDir: join(dir, 'gif'), config: smallConfig({ ...scaled, model: 'iforest', ...forest }) });
});

describe('exportOnnx', () => {
  const cases = [
    { name: 'endpoint-v1 autoencoder, batch 1', ckpt: 'ae', data, dynamicBatch: false },
    { name: 'endpoint-v1 autoencoder, dynamic batch', ckpt: 'ae', data, dynamicBatch: true },
    { name: 'endpoint-v1 isolation forest', ckpt: 'if', data, dynamicBatch: true },
    { name: 'generic autoencoder with scaler', ckpt: 'gae', data: generic, dynamicBatch: false },
    { name: 'generic isolation forest with scaler', ckpt: 'gif', data: generic, dynamicBatch: true },
  ];
  for (const c of cases) {
    it(`scores like the checkpoint in onnxruntime-web and dadm's runtime (${c.name})`, async () => {
      const ckpt = join(dir, c.ckpt, 'model.safetensors');
      const out = join(dir, `${c.ckpt}-${c.dynamicBatch}.onnx`);
      const r = exportOnnx({ checkpoint: ckpt, output: out, dynamicBatch: c.dynamicBatch });
      expect(r.bytes).toBe(readFileSync(out).length);
      expect(r.selfCheck.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      const { rows, dim } = firstRows(c.data, N);
      const want = loadCheckpoint(ckpt).score(rows, N);
      expect(await ortScores(out, rows, N, dim, c.dynamicBatch)).toBeAllclose(want, { rtol: 1e-5, atol: 1e-5 });
      const model = loadOnnx(readFileSync(out));
      const dadm = Float32Array.from({ length: N }, (_, i) => model.score(rows.subarray(i * dim, (i + 1) * dim)));
      expect(dadm).toBeAllclose(want, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('writes model type, schema, features and the checkpoint threshold as metadata', () => {
    const out = join(dir, 'meta.onnx');
    const r = exportOnnx({ checkpoint: join(dir, 'ae', 'model.safetensors'), output: out });
    const model = onnx.decodeModel(readFileSync(out));
    const meta = Object.fromEntries(model.metadataProps!.map((p) => [p.key, p.value]));
    const ckpt = loadCheckpoint(join(dir, 'ae', 'model.safetensors'));
    expect(meta['dadm.model_type']).toBe('autoencoder');
    expect(meta['dadm.schema.name']).toBe('endpoint-v1');
    expect(meta['dadm.schema.hash']).toBe(ENDPOINT_V1.hash);
    expect(JSON.parse(meta['dadm.feature_names']!)).toEqual(ENDPOINT_V1.featureNames);
    expect(JSON.parse(meta['dadm.active_features']!)).toEqual(Array.from({ length: 12 }, (_, j) => j));
    expect(Number(meta['dadm.threshold'])).toBe(ckpt.threshold);
    expect(meta['dadm.version']).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    expect(r.ops).toEqual({ MatMul: 4, Add: 4, Relu: 3, Sub: 1, Mul: 1, Gather: 1, ReduceMean: 1 });
    expect(r.modelType).toBe('autoencoder');
  });

  it("takes opset and batch layout from the checkpoint config's onnx section; options override", () => {
    const ckpt = join(dir, 'ae13', 'model.safetensors');
    const a = exportOnnx({ checkpoint: ckpt, output: join(dir, 'cfg.onnx') });
    const m = onnx.decodeModel(readFileSync(join(dir, 'cfg.onnx')));
    expect([a.opset, a.dynamicBatch]).toEqual([13, true]);
    expect(Number(m.opsetImport![0]!.version)).toBe(13);
    expect(m.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('batch');
    const b = exportOnnx({ checkpoint: ckpt, output: join(dir, 'cfg2.onnx'), opset: 17, dynamicBatch: false });
    const m2 = onnx.decodeModel(readFileSync(join(dir, 'cfg2.onnx')));
    expect([b.opset, b.dynamicBatch]).toEqual([17, false]);
    expect(Number(m2.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimValue)).toBe(1);
  });

  it('exports the same bytes twice', () => {
    const ckpt = join(dir, 'gif', 'model.safetensors');
    exportOnnx({ checkpoint: ckpt, output: join(dir, 'x1.onnx') });
    exportOnnx({ checkpoint: ckpt, output: join(dir, 'x2.onnx') });
    expect(readFileSync(join(dir, 'x1.onnx')).equals(readFileSync(join(dir, 'x2.onnx')))).toBe(true);
  });

  it('throws FormatError for a file that is not a checkpoint and writes nothing', () => {
    const out = join(dir, 'none.onnx');
    expectError(() => exportOnnx({ checkpoint: data, output: out }), FormatError, /data\.npy: header length must be in .*\(not a safetensors file\?\)$/);
    expectError(() => exportOnnx({ checkpoint: join(dir, 'missing.safetensors'), output: out }), InvalidOptionError, /missing\.safetensors: checkpoint \(--checkpoint\) must exist, got ENOENT/);
    expect(existsSync(out)).toBe(false);
  });

  it('throws InvalidOptionError for an opset outside [13, 21], before reading the checkpoint', () => {
    const run = (): unknown => exportOnnx({ checkpoint: join(dir, 'ae', 'model.safetensors'), output: join(dir, 'o12.onnx'), opset: 12 });
    expectError(run, InvalidOptionError, /^export-onnx: opset must be an integer in \[13, 21\], got 12$/);
    const missing = (): unknown => exportOnnx({ checkpoint: join(dir, 'missing.safetensors'), output: join(dir, 'o99.onnx'), opset: 99 });
    expectError(missing, InvalidOptionError, /^export-onnx: opset must be an integer in \[13, 21\], got 99$/);
    expect(existsSync(join(dir, 'o12.onnx'))).toBe(false);
  });
});

describe('rawThresholdFor', () => {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  /** The next float32 above a finite float32 (test-local bit arithmetic). */
  function nextUp(x: number): number {
    if (x === 0) return 2 ** -149;
    f32[0] = x;
    u32[0] = x > 0 ? u32[0]! + 1 : u32[0]! - 1;
    return f32[0]!;
  }
  const standardized = (x: number, mean: number, scale: number): number => Math.fround((x - mean) / scale);

  it('is the largest float32 whose standardized value passes `<= t`', () => {
    const arb = fc.record({
      t: fc.double({ min: -10, max: 10, noNaN: true }),
      mean: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
      scale: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    });
    fc.assert(
      fc.property(arb, ({ t, mean, scale }) => {
        const x = rawThresholdFor(t, mean, scale);
        expect(Math.fround(x)).toBe(x);
        expect(standardized(x, mean, scale)).toBeLessThanOrEqual(t);
        expect(standardized(nextUp(x), mean, scale)).toBeGreaterThan(t);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('is +-Infinity when every or no finite float32 passes', () => {
    expect(rawThresholdFor(Infinity, 0, 1)).toBe(Infinity);
    expect(rawThresholdFor(-Infinity, 0, 1)).toBe(-Infinity);
    expect(rawThresholdFor(-1e300, 0, 1e30)).toBe(-Infinity);
  });
});

describe('exportOnnx output path', () => {
  it('throws UsageError, leaving the checkpoint intact, when output is the checkpoint (also through a hard link)', () => {
    const ckpt = join(dir, 'gif', 'model.safetensors');
    const before = readFileSync(ckpt);
    expectError(() => exportOnnx({ checkpoint: ckpt, output: join(dir, 'gif', '..', 'gif', 'model.safetensors') }), UsageError, /^export-onnx: output must not be the same file as checkpoint \(it would be overwritten\), got /);
    const hard = join(dir, 'gif-hard.safetensors');
    linkSync(ckpt, hard);
    expectError(() => exportOnnx({ checkpoint: ckpt, output: hard }), UsageError, /^export-onnx: output must not be the same file as checkpoint /);
    expect(readFileSync(ckpt).equals(before)).toBe(true);
  });
});
