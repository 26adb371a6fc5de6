/** Quantized models run in dadm's own runtime (src/runtime) and agree with onnxruntime-web. */
import { describe, expect, it } from 'vitest';
import { quantizeDynamic } from '../../src/quant/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { encode, matmulAddModel, proto, readBytes, readJson, runOrt, type JsonTensor } from './quant-fixtures.js';

interface Expected {
  autoencoder: { cases: { id: string; input: JsonTensor }[] };
  transformer_encoder_layer: { input: JsonTensor };
}
const expected = readJson<Expected>('onnx/expected.json');

interface E2eCase {
  id: string;
  x: JsonTensor;
  W: JsonTensor;
  bias: number[];
  per_tensor: { y_float32_pipeline: JsonTensor };
  per_channel_axis1: { y_float32_pipeline: JsonTensor };
}
const e2e = readJson<{ dynamic_quant_matmul_e2e: E2eCase[] }>('quant.json').dynamic_quant_matmul_e2e;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// Measured: reconstruction bit-identical, score within 3.6e-7 (ReduceMean summation order), transformer 9.5e-7.
const AGREEMENT_ATOL = 1e-5;

describe('quantizeDynamic + dadm runtime', () => {
  for (const perChannel of [false, true]) {
    it(`autoencoder perChannel=${perChannel}: dadm and onnxruntime-web agree within 1e-5`, async () => {
      const { model } = quantizeDynamic(proto.decodeModel(readBytes('onnx/autoencoder_opset17.onnx')), { perChannel });
      const bytes = encode(model);
      const dadm = loadOnnx(bytes);
      for (const c of expected.autoencoder.cases) {
        const x = Float32Array.from(c.input.data);
        const ours = dadm.run({ input: { data: x, shape: c.input.shape } });
        const theirs = await runOrt(bytes, { input: { data: x, shape: c.input.shape } });
        for (const name of ['score', 'reconstruction']) {
          expect(maxAbsDiff(ours[name]!.data, theirs[name]!)).toBeLessThanOrEqual(AGREEMENT_ATOL);
        }
      }
    });

    it(`transformer layer perChannel=${perChannel}: dadm and onnxruntime-web agree within 1e-5`, async () => {
      const t = expected.transformer_encoder_layer;
      const { model } = quantizeDynamic(proto.decodeModel(readBytes('onnx/transformer_encoder_layer_opset17.onnx')), { perChannel });
      const bytes = encode(model);
      const x = Float32Array.from(t.input.data);
      const ours = loadOnnx(bytes).run({ input: { data: x, shape: t.input.shape } });
      const theirs = await runOrt(bytes, { input: { data: x, shape: t.input.shape } });
      expect(maxAbsDiff(ours.output!.data, theirs.output!)).toBeLessThanOrEqual(AGREEMENT_ATOL);
    });
  }

  for (const c of e2e) {
    it(`${c.id}: dadm runs the quantized MatMul+Add to y_float32_pipeline bit for bit`, () => {
      for (const [key, perChannel] of [['per_tensor', false], ['per_channel_axis1', true]] as const) {
        const bytes = encode(quantizeDynamic(matmulAddModel(c.W, c.bias), { perChannel }).model);
        const y = loadOnnx(bytes).run({ x: { data: Float32Array.from(c.x.data), shape: c.x.shape } }).y!;
        expect(Array.from(y.data)).toEqual(c[key].y_float32_pipeline.data);
      }
    });
  }
});
