/** OnnxModel's public surface: names, metadata, run/score contracts, input validation, plan cache. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import { IsolationForest } from '../../src/iforest/index.js';
import { encodeModel } from '../../src/onnx/index.js';
import { exportIsolationForest } from '../../src/onnx-writer/index.js';
import { WARM_UP_CALLS } from '../../src/runtime/ops/types.js';
import { decodeModel, loadOnnx } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/index.js';
import { withJsKernels } from '../../src/tensor/kernels.js';
import { modelBytes, node, tensor, valueInfo } from './build-model.js';
import { expectError } from '../tensor/expect-error.js';

const AE = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'onnx', 'autoencoder_opset13.onnx')));

/** y = x * w + b per column, score = mean(y) per row; an independent reference is easy. */
const spec = {
  nodes: [node('Mul', ['x', 'w'], ['xw']), node('Add', ['xw', 'b'], ['y']), node('ReduceMean', ['y'], ['score'], { axes: [1], keepdims: 0 })],
  inputs: [valueInfo('x', [null, 3])],
  initializers: [tensor('w', [3], [1, 2, 3]), tensor('b', [3], [0.5, 0, -0.5])],
  outputs: ['score', 'y'],
  opset: 13,
  metadata: { 'dadm.kind': 'test', threshold: '0.75' },
};
const ref = (row: number[]): number => (row[0]! + 0.5 + 2 * row[1]! + 3 * row[2]! - 0.5) / 3;

describe('OnnxModel', () => {
  const model = loadOnnx(modelBytes(spec));

  it('exposes input names, output names and metadata_props', () => {
    expect(model.inputNames).toEqual(['x']);
    expect(model.outputNames).toEqual(['score', 'y']);
    expect(model.metadata).toEqual({ 'dadm.kind': 'test', threshold: '0.75' });
  });

  it('accepts a decoded ModelProto as well as bytes', () => {
    const fromProto = loadOnnx(decodeModel(AE));
    expect(fromProto.outputNames).toEqual(['score', 'reconstruction']);
  });

  it('runs varying batch sizes through cached plans, inferring [batch, 3] from a Float32Array', () => {
    for (const batch of [1, 5, 1, 2, 5]) {
      const rows = Array.from({ length: batch }, (_, i) => [i, -i / 2, 0.25 * i]);
      const out = model.run({ x: Float32Array.from(rows.flat()) });
      expect(out.score!.shape).toEqual([batch]);
      expect(out.y!.shape).toEqual([batch, 3]);
      expect(out.score!.data).toBeAllclose(rows.map(ref));
    }
  });

  it('returns copies the next run does not overwrite', () => {
    const a = model.run({ x: Float32Array.of(1, 2, 3) });
    model.run({ x: Float32Array.of(9, 9, 9) });
    expect(a.score!.data).toBeAllclose([ref([1, 2, 3])]);
  });

  it('score(row) equals run()[score][0]', () => {
    const row = Float32Array.of(0.3, -1.2, 2.5);
    expect(model.score(row)).toBeCloseTo(model.run({ x: row }).score!.data[0]!, 6);
    expect(model.score(row)).toBeAllclose([ref([0.3, -1.2, 2.5])]);
  });

  it('throws DataError naming the input for a wrong shape', () => {
    expectError(() => model.run({ x: { data: new Float32Array(8), shape: [2, 4] } }), DataError, /input "x" shape must be \[\?,3\], got \[2,4\]/);
    expectError(() => model.run({ x: new Float32Array(7) }), DataError, /^onnx run: input "x" must have shape \[\?,3\] \(pass \{ data, shape \} when it cannot be inferred\), got 7 values$/);
    expectError(() => model.score(new Float32Array(4)), DataError, /^onnx score: input "x" must have 3 values, got 4$/);
  });

  it('throws DataError naming the input and element for NaN or Infinity', () => {
    expectError(() => model.run({ x: Float32Array.of(1, 2, 3, 4, NaN, 6) }), DataError, /input "x" element 4 must be finite, got NaN/);
    expectError(() => model.score(Float32Array.of(Infinity, 0, 0)), DataError, /^onnx run: input "x" element 0 must be finite, got Infinity$/);
  });

  it('throws DataError for a missing input', () => {
    expectError(() => model.run({}), DataError, /^onnx run: input "x" must be given, got no value$/);
  });

  it('score throws UsageError for a model with two inputs', () => {
    const two = loadOnnx(modelBytes({ nodes: [node('Add', ['a', 'b'], ['score'])], inputs: [valueInfo('a', [1, 2]), valueInfo('b', [1, 2])], outputs: ['score'] }));
    expectError(() => two.score(new Float32Array(2)), UsageError, /model must take one \[batch, D\] or \[batch, T, D\] input/);
  });
});

// The row plan starts on the JavaScript kernels (src/runtime/onnx-model.ts); whether the later calls
// run WebAssembly is checked in a fresh process (test/package/runtime-bundle.test.ts).
describe("OnnxModel: the row plan's first calls", () => {
  const AE17 = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'onnx', 'autoencoder_opset17.onnx')));
  const expected = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'onnx', 'expected.json'), 'utf8')) as {
    autoencoder: { cases: { id: string; input: { shape: number[]; data: number[] }; score: { data: number[] } }[] };
  };
  const batch = expected.autoencoder.cases.find((c) => c.id === 'nn_modules_autoencoder_input')!;
  const rows = Array.from({ length: batch.input.shape[0]! }, (_, i) => Float32Array.from(batch.input.data.slice(i * 64, (i + 1) * 64)));
  const calls = WARM_UP_CALLS + 2 * rows.length;

  it('scores as PyTorch says before and after the switch', () => {
    const model = loadOnnx(AE17);
    const scores = Array.from({ length: calls }, (_, i) => model.score(rows[i % rows.length]!));
    expect(scores).toBeAllclose(Array.from({ length: calls }, (_, i) => batch.score.data[i % rows.length]!), { rtol: 1e-5, atol: 1e-6 });
  });

  it("counts run() on the row plan's shape with score(), and its outputs stay right across the switch", () => {
    const model = loadOnnx(AE17);
    for (let i = 0; i < calls; i++) {
      const row = rows[i % rows.length]!;
      const want = batch.score.data[i % rows.length]!;
      const got = i % 2 === 0 ? model.score(row) : model.run({ input: row }).score!.data[0]!;
      expect(got).toBeCloseTo(want, 5);
    }
  });

  it('is rebuilt only when planning asked for the backend: a Gemm model asks, a forest does not', () => {
    expect(withJsKernels(() => loadOnnx(AE17)).askedBackend).toBe(true);
    const data = new Random(0).normalFill(new Float32Array(512 * 4));
    const forest = new IsolationForest({ nEstimators: 8, maxSamples: 64, seed: 0 }).fit({ data, shape: [512, 4] });
    const bytes = encodeModel(exportIsolationForest(forest.toArrays(), { dynamicBatch: true }));
    expect(withJsKernels(() => loadOnnx(bytes)).askedBackend).toBe(false);
  });
});
