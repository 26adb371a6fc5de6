/**
 * exportTransformer: the exported window model scores what the fused model scores, runs in dadm's
 * runtime and in onnxruntime-web with the same results (<= 1e-5 relative), centered or not, with a
 * standardizer folded in or not, and `quantizeDynamic`
 * rewrites its weight MatMuls while the attention products QK^T and PV stay float.
 */
import { describe, expect, it } from 'vitest';
import { TransformerDetector, TransformerModel, WindowNet, objectiveLayout, resolveTransformerOptions, transformerExportSpec, type TransformerOptions } from '../../src/models/transformer/index.js';
import { memoryRows } from '../../src/data/index.js';
import { exportTransformer } from '../../src/onnx-writer/index.js';
import { encodeModel, modelMetadata, type onnx } from '../../src/onnx/index.js';
import { quantizeDynamic } from '../../src/quant/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { InvalidOptionError, ShapeError } from '../../src/errors.js';
import { genericSchema } from '../../src/schema/index.js';
import { runOrt } from './export-helpers.js';
import { expectError } from '../tensor/expect-error.js';

const T = 6, F = 10;

/** A model with random (untrained) weights, built through fromState like a loaded checkpoint. */
function randomModel(opts: TransformerOptions, seed = 5): TransformerDetector {
  const options = resolveTransformerOptions({ window: T, dModel: 8, heads: 2, feedForward: 12, activeFeatures: [0, 1, 2, 3, 4], ...opts });
  const layout = objectiveLayout(options.objective, T);
  const A = options.activeFeatures!.length;
  const net = new WindowNet({ inputDim: A, positions: layout.positions, dModel: 8, heads: 2, layers: options.layers, feedForward: 12, dropout: 0, activation: options.activation, normFirst: options.normFirst, causal: layout.causal, maskToken: layout.maskToken, rng: new Random(seed) });
  const tensors = net.stateDict();
  tensors.set('error_scale', new Tensor(new Random(seed + 1).uniformFill(new Float32Array(A), 0.5, 2), [A]));
  return TransformerDetector.fromState({ tensors, metadata: { options, features: F, threshold: 0.5, thresholdMethod: 'validation-quantile', history: [], bestEpoch: 1 } });
}

const metadata = modelMetadata({ modelType: 'transformer', dadmVersion: '0.1.0', window: T, objective: 'next-step' });

/** |a - b| <= 1e-5 * max(|a|, |b|) + tiny, elementwise. */
function expectRelClose(a: ArrayLike<number>, b: ArrayLike<number>, rel = 1e-5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const tol = rel * Math.max(Math.abs(a[i]!), Math.abs(b[i]!)) + 1e-7;
    expect(Math.abs(a[i]! - b[i]!), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol);
  }
}

const cases: [string, TransformerOptions, number][] = [
  ['next-step, post-norm, 1 layer', { objective: 'next-step' }, 17],
  ['next-step, pre-norm, 2 layers, opset 13 (LayerNorm decomposed)', { objective: 'next-step', normFirst: true, layers: 2 }, 13],
  ['masked-step, GELU, 2 layers', { objective: 'masked-step', activation: 'gelu', layers: 2 }, 17],
  ['reconstruct, opset 18', { objective: 'reconstruct' }, 18],
  ['next-step, centered (context-mean)', { objective: 'next-step', centering: 'context-mean' }, 17],
  ['masked-step, centered, opset 18 (ReduceMean axes as input)', { objective: 'masked-step', centering: 'context-mean' }, 18],
];

describe('exportTransformer', () => {
  for (const [name, opts, opset] of cases) {
    it(`${name}: dadm runtime = fused model, onnxruntime-web = dadm runtime (1e-5 relative)`, async () => {
      const model = randomModel(opts);
      const bytes = encodeModel(exportTransformer(transformerExportSpec(model, metadata), { opset, dynamicBatch: true }));
      const n = 4;
      const x = new Random(9).normalFill(new Float32Array(n * T * F));
      const want = model.scoreWindows(x, n);
      const dadm = loadOnnx(bytes).run({ input: { data: x, shape: [n, T, F] } });
      expect(dadm.score!.shape).toEqual([n]);
      expect(dadm.prediction!.shape).toEqual([n, 5]);
      expect(dadm.score!.data).toBeAllclose(want, { rtol: 1e-4, atol: 1e-6 });
      const ort = await runOrt(bytes, x, [n, T, F]);
      expectRelClose(ort.score!.data, dadm.score!.data as Float32Array);
      expectRelClose(ort.prediction!.data, dadm.prediction!.data as Float32Array);
      // prediction is in the input's units (the level added back when centered), as predictLastStep.
      const predicted = model.predictLastStep(x, n);
      const active = Array.from({ length: n * 5 }, (_, i) => predicted[Math.floor(i / 5) * F + (i % 5)]!);
      expect(ort.prediction!.data).toBeAllclose(active, { rtol: 1e-4, atol: 1e-5 });
    });
  }

  for (const centering of ['none', 'context-mean'] as const) {
    it(`folds a standardizer (centering ${centering}): onnxruntime-web on raw rows = dadm on standardized rows`, async () => {
      const model = new TransformerModel(randomModel({ objective: 'next-step', centering }));
      const rng = new Random(21);
      const mean = Float64Array.from({ length: F }, () => rng.uniform(-50, 50));
      const scale = Float64Array.from({ length: F }, () => rng.uniform(0.5, 20));
      const proto = model.exportOnnx({ opset: 17, dynamicBatch: true, foldScaler: true, standardizer: { mean, scale }, schema: genericSchema(F), metadata });
      const n = 5;
      const z = new Random(8).normalFill(new Float32Array(n * T * F));
      // Per-window offsets on top: a host level far from the standardizer's mean.
      for (let b = 0; b < n; b++) for (let k = 0; k < T * F; k++) z[b * T * F + k] += b - 2;
      const raw = Float32Array.from(z, (v, i) => v * scale[i % F]! + mean[i % F]!);
      const ort = await runOrt(encodeModel(proto), raw, [n, T, F]);
      expect(ort.score!.data).toBeAllclose(model.detector.scoreWindows(z, n), { rtol: 1e-3, atol: 1e-5 });
      const predicted = model.detector.predictLastStep(z, n);
      const want = Array.from({ length: n * 5 }, (_, i) => predicted[Math.floor(i / 5) * F + (i % 5)]! * scale[i % 5]! + mean[i % 5]!);
      expect(ort.prediction!.data).toBeAllclose(want, { rtol: 1e-4, atol: 1e-3 });
    });
  }

  it('writes input [1, T, F] -> score [1] without dynamicBatch, with the given metadata', () => {
    const proto = exportTransformer(transformerExportSpec(randomModel({}), metadata));
    const dims = (v: onnx.ValueInfoProto): unknown[] => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(dims(proto.graph!.input![0]!)).toEqual([1, T, F]);
    expect(dims(proto.graph!.output![0]!)).toEqual([1]);
    expect(Object.fromEntries(proto.metadataProps!.map((p) => [p.key, p.value]))).toMatchObject({ 'dadm.model_type': 'transformer', 'dadm.window': '6', 'dadm.objective': 'next-step' });
  });

  it("refuses a centering other than 'none' or 'context-mean'", () => {
    const spec = transformerExportSpec(randomModel({}), metadata);
    expectError(() => exportTransformer({ ...spec, centering: 'median' as 'none' }), InvalidOptionError, /^exportTransformer: centering must be 'none' or 'context-mean', got median$/);
  });

  it('refuses a spec whose tensors do not match its sizes', () => {
    const spec = transformerExportSpec(randomModel({}), metadata);
    expectError(() => exportTransformer({ ...spec, posEmbedding: spec.posEmbedding.subarray(1) }), ShapeError, /^exportTransformer: posEmbedding must hold 40 values, got 39$/);
  });
});

describe('the edge loop of docs/transformer.md', () => {
  it('a ring buffer of the host\'s last T rows and one run per row give the scores of scoreRows', () => {
    const model = randomModel({});
    const runtime = loadOnnx(encodeModel(exportTransformer(transformerExportSpec(model, metadata))));
    const rows = new Random(4).normalFill(new Float32Array(20 * F));
    const want = new Float32Array(20);
    model.scoreRows(memoryRows(rows, F), memoryRows(new Int32Array(20), 1), (first, s) => want.set(s, first));
    const ring = new Float32Array(T * F);
    const got: number[] = [];
    for (let r = 0; r < 20; r++) {
      const row = rows.subarray(r * F, (r + 1) * F);
      if (r === 0) for (let t = 0; t < T; t++) ring.set(row, t * F);
      ring.copyWithin(0, F);
      ring.set(row, (T - 1) * F);
      got.push((runtime.run({ input: { data: ring, shape: [1, T, F] } }).score!.data as Float32Array)[0]!);
    }
    expect(got).toBeAllclose(want, { rtol: 1e-4, atol: 1e-6 });
  });
});

describe('quantizeDynamic on an exported transformer', () => {
  it('rewrites every weight Gemm and keeps QK^T and PV float; both runtimes agree on the int8 model', async () => {
    const model = randomModel({ layers: 2 });
    const float = exportTransformer(transformerExportSpec(model, metadata), { dynamicBatch: true });
    const weightProducts = float.graph!.node!.filter((n) => (n.opType === 'MatMul' || n.opType === 'Gemm') && float.graph!.initializer!.some((t) => t.name === n.input![1]));
    expect(weightProducts).toHaveLength(2 + 6 * 2);
    const { model: q, report } = quantizeDynamic(float);
    expect(report.quantized.map((r) => r.node).sort()).toEqual(weightProducts.map((n) => n.name).sort());
    const skipped = report.skipped.map((s) => s.node).sort();
    expect(skipped).toEqual(['layers.0.self_attn.scores.MatMul', 'layers.0.self_attn.values.MatMul', 'layers.1.self_attn.scores.MatMul', 'layers.1.self_attn.values.MatMul']);
    const bytes = encodeModel(q);
    const x = new Random(3).normalFill(new Float32Array(2 * T * F));
    const dadm = loadOnnx(bytes).run({ input: { data: x, shape: [2, T, F] } });
    const ort = await runOrt(bytes, x, [2, T, F]);
    expectRelClose(ort.score!.data, dadm.score!.data as Float32Array, 1e-4);
    expect(dadm.score!.data).toBeAllclose(model.scoreWindows(x, 2), { rtol: 0.2, atol: 0.05 });
  });
});
