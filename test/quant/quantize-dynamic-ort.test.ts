/**
 * quantizeDynamic's output graphs run in onnxruntime-web: bit-exact against quant.json's e2e pipeline,
 * and close to the float models for the exported autoencoder and transformer layer.
 */
import { describe, expect, it } from 'vitest';
import type { onnx } from '../../src/onnx/index.js';
import { dynamicQuantizeLinear, quantizeDynamic } from '../../src/quant/index.js';
import {
  encode, floatTensor, makeModel, matmulAddModel, proto, readBytes, readJson, runOrt, ulpDistance, valueInfo,
  type JsonTensor,
} from './quant-fixtures.js';

interface E2eVariant {
  b_q: JsonTensor;
  b_scale: number[];
  y_int32: JsonTensor;
  y_float32_pipeline: JsonTensor;
}
interface E2eCase {
  id: string;
  x: JsonTensor;
  W: JsonTensor;
  bias: number[];
  a_q: JsonTensor;
  a_scale: number;
  a_zero_point: number;
  y_float: JsonTensor;
  per_tensor: E2eVariant;
  per_channel_axis1: E2eVariant;
}
const e2e = readJson<{ dynamic_quant_matmul_e2e: E2eCase[] }>('quant.json').dynamic_quant_matmul_e2e;

function initializerValues(model: onnx.ModelProto, name: string): { dims: number[]; values: number[] } {
  const t = model.graph!.initializer!.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  const raw = t.rawData!;
  const dims = t.dims!.map(Number);
  if (t.dataType === 1) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return { dims, values: Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true)) };
  }
  return { dims, values: Array.from(t.dataType === 3 ? new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength) : raw) };
}

function maxUlp(got: Float32Array, ref: number[]): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, ulpDistance(got[i]!, ref[i]!));
  return worst;
}

/** The e2e case as one Gemm(x, W^T, bias, transB=1), the form torch exports nn.Linear in. */
function gemmModel(c: E2eCase): onnx.ModelProto {
  const [K, N] = c.W.shape as [number, number];
  const Wt = new Array<number>(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) Wt[n * K + k] = c.W.data[k * N + n]!;
  return makeModel({
    nodes: [{ opType: 'Gemm', name: 'fc', input: ['x', 'Wt', 'bias'], output: ['y'], attribute: [{ name: 'transB', type: 2, i: 1 }] }],
    initializers: [floatTensor('Wt', [N, K], Wt), floatTensor('bias', [N], c.bias)],
    inputs: [valueInfo('x', ['batch', K])],
    outputs: [valueInfo('y', ['batch', N])],
  });
}

describe('quantizeDynamic + onnxruntime-web: dynamic_quant_matmul_e2e', () => {
  for (const c of e2e) {
    it(`${c.id}: the reference DynamicQuantizeLinear gives a_q, a_scale, a_zero_point exactly`, () => {
      const r = dynamicQuantizeLinear(Float32Array.from(c.x.data));
      expect(r.scale).toBe(c.a_scale);
      expect(r.zeroPoint).toBe(c.a_zero_point);
      expect(Array.from(r.y)).toEqual(c.a_q.data);
    });

    for (const [key, perChannel] of [['per_tensor', false], ['per_channel_axis1', true]] as const) {
      const ref = c[key];
      it(`${c.id} ${key}: MatMul+Add gives b_q, b_scale exactly and y_float32_pipeline bit for bit`, async () => {
        const { model, report } = quantizeDynamic(matmulAddModel(c.W, c.bias), { perChannel });
        expect(report.quantized).toEqual([{ node: 'mm', opType: 'MatMul', weight: 'W', perChannel, bytesSaved: expect.any(Number) }]);
        const bq = initializerValues(model, 'W_quantized');
        expect(bq.dims).toEqual(c.W.shape);
        expect(bq.values).toEqual(ref.b_q.data);
        const bScale = initializerValues(model, 'W_scale');
        expect(bScale.values).toEqual(ref.b_scale);
        expect(bScale.dims).toEqual(perChannel ? [c.W.shape[1]] : []);
        const y = (await runOrt(encode(model), { x: { data: Float32Array.from(c.x.data), shape: c.x.shape } })).y!;
        expect(maxUlp(y, ref.y_float32_pipeline.data)).toBe(0);
      });

      it(`${c.id} ${key}: Gemm(transB=1)+bias gives the same bits`, async () => {
        const { model, report } = quantizeDynamic(gemmModel(c), { perChannel });
        expect(report.quantized.map((q) => q.opType)).toEqual(['Gemm']);
        expect(initializerValues(model, 'Wt_transposed_quantized').values).toEqual(ref.b_q.data);
        const y = (await runOrt(encode(model), { x: { data: Float32Array.from(c.x.data), shape: c.x.shape } })).y!;
        expect(maxUlp(y, ref.y_float32_pipeline.data)).toBe(0);
      });
    }
  }
});

interface AutoencoderCase {
  id: string;
  input: JsonTensor;
  score: number[];
  reconstruction: JsonTensor;
}
interface Expected {
  autoencoder: { cases: AutoencoderCase[] };
  transformer_encoder_layer: { input: JsonTensor; output: JsonTensor };
}
const expected = readJson<Expected>('onnx/expected.json');

function maxAbsDiff(got: Float32Array, ref: number[]): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!));
  return worst;
}

// Tolerances are ~4x the largest error measured over int8/uint8 x per-tensor/per-channel x reduce-range
// (autoencoder: reconstruction 3.3e-3 abs, score 5.1e-4 rel; transformer: 1.9e-2 abs on outputs up to 4.7).
const AE_RECON_ATOL = 1.5e-2;
const AE_SCORE_RTOL = 2e-3;
const TRANSFORMER_ATOL = 8e-2;

const variants = [
  { perChannel: false },
  { perChannel: true },
  { weightType: 'uint8' as const },
  { reduceRange: true, perChannel: true },
];

describe('quantizeDynamic + onnxruntime-web: exported models', () => {
  for (const options of variants) {
    it(`autoencoder_opset17 ${JSON.stringify(options)}: runs and stays close to expected.json`, async () => {
      const bytes = readBytes('onnx/autoencoder_opset17.onnx');
      const { model, report } = quantizeDynamic(proto.decodeModel(bytes), options);
      expect(report.quantized).toHaveLength(4);
      expect(report.skipped).toEqual([]);
      const quantBytes = encode(model);
      for (const c of expected.autoencoder.cases) {
        const out = await runOrt(quantBytes, { input: { data: Float32Array.from(c.input.data), shape: c.input.shape } });
        const recError = maxAbsDiff(out.reconstruction!, c.reconstruction.data);
        expect(recError).toBeLessThan(AE_RECON_ATOL);
        expect(recError).toBeGreaterThan(0); // the weights really are int8 now
        expect(out.score!).toBeAllclose(c.score, { rtol: AE_SCORE_RTOL, atol: 0 });
      }
    });

    it(`transformer_encoder_layer_opset17 ${JSON.stringify(options)}: runs and stays close to expected.json`, async () => {
      const t = expected.transformer_encoder_layer;
      const { model, report } = quantizeDynamic(proto.decodeModel(readBytes('onnx/transformer_encoder_layer_opset17.onnx')), options);
      expect(report.quantized.map((q) => q.opType).sort()).toEqual(['Gemm', 'MatMul', 'MatMul', 'MatMul']);
      const out = await runOrt(encode(model), { input: { data: Float32Array.from(t.input.data), shape: t.input.shape } });
      expect(maxAbsDiff(out.output!, t.output.data)).toBeLessThan(TRANSFORMER_ATOL);
    });
  }

  it('the float autoencoder itself matches expected.json within 1e-5 in onnxruntime-web (harness check)', async () => {
    const c = expected.autoencoder.cases[0]!;
    const out = await runOrt(readBytes('onnx/autoencoder_opset17.onnx'), { input: { data: Float32Array.from(c.input.data), shape: c.input.shape } });
    expect(maxAbsDiff(out.reconstruction!, c.reconstruction.data)).toBeLessThan(1e-5);
  });
});
