/**
 * DynamicQuantizeLinear and MatMulInteger against every case of quant.json (copied from
 * ../shared/reference): integer outputs and the float32 scale must match exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/runtime/index.js';
import { DT, modelBytes, node, tensor, valueInfo } from './build-model.js';

interface T {
  shape: number[];
  data: number[];
}
interface Quant {
  dynamic_quantize_linear: { id: string; x: T; y: T; y_scale: number; y_zero_point: number }[];
  matmul_integer: { id: string; A: T; a_zero_point: number; B: T; b_zero_point: number; Y: T }[];
  dynamic_quant_matmul_e2e: { id: string; x: T; a_q: T; a_scale: number; a_zero_point: number; per_tensor: { b_q: T; b_scale: number[]; y_int32: T; y_float32_pipeline: T } ; bias: number[] }[];
}

const quant = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'quant.json'), 'utf8')) as Quant;

describe('DynamicQuantizeLinear', () => {
  for (const c of quant.dynamic_quantize_linear) {
    it(`matches quant.json case ${c.id} exactly`, () => {
      const model = loadOnnx(modelBytes({
        nodes: [node('DynamicQuantizeLinear', ['x'], ['y', 'scale', 'zp'])],
        inputs: [valueInfo('x', c.x.shape)],
        outputs: ['y', 'scale', 'zp'],
        opset: 13,
      }));
      const out = model.run({ x: { data: Float32Array.from(c.x.data), shape: c.x.shape } });
      expect(out.y!.dtype).toBe('uint8');
      expect(Array.from(out.y!.data)).toEqual(c.y.data);
      expect(out.scale!.data[0]).toBe(Math.fround(c.y_scale));
      expect(out.zp!.data[0]).toBe(c.y_zero_point);
    });
  }
});

describe('MatMulInteger', () => {
  for (const c of quant.matmul_integer) {
    it(`matches quant.json case ${c.id} exactly`, () => {
      const model = loadOnnx(modelBytes({
        nodes: [node('MatMulInteger', ['A', 'B', 'azp', 'bzp'], ['Y'])],
        inputs: [valueInfo('A', c.A.shape, DT.UINT8)],
        initializers: [
          tensor('B', c.B.shape, c.B.data, DT.INT8),
          tensor('azp', [], [c.a_zero_point], DT.UINT8),
          tensor('bzp', [], [c.b_zero_point], DT.INT8),
        ],
        outputs: ['Y'],
        opset: 13,
      }));
      const out = model.run({ A: { data: c.A.data, shape: c.A.shape } });
      expect(out.Y!.dtype).toBe('int32');
      expect(out.Y!.shape).toEqual(c.Y.shape);
      expect(Array.from(out.Y!.data)).toEqual(c.Y.data);
    });
  }

  it('subtracts a per-column b_zero_point', () => {
    const A = [3, 200, 17, 0, 255, 128];
    const B = [5, 250, 7, 9, 0, 255];
    const bzp = [4, 128];
    const model = loadOnnx(modelBytes({
      nodes: [node('MatMulInteger', ['A', 'B', 'azp', 'bzp'], ['Y'])],
      inputs: [valueInfo('A', [2, 3], DT.UINT8)],
      initializers: [tensor('B', [3, 2], B, DT.UINT8), tensor('azp', [], [10], DT.UINT8), tensor('bzp', [2], bzp, DT.UINT8)],
      outputs: ['Y'],
      opset: 13,
    }));
    const naive: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let p = 0; p < 3; p++) s += (A[i * 3 + p]! - 10) * (B[p * 2 + j]! - bzp[j]!);
        naive.push(s);
      }
    }
    expect(Array.from(model.run({ A: { data: A, shape: [2, 3] } }).Y!.data)).toEqual(naive);
  });
});

describe('dynamic quantized MatMul pipeline', () => {
  for (const c of quant.dynamic_quant_matmul_e2e) {
    it(`reproduces y_float32_pipeline of ${c.id} bit for bit`, () => {
      const pt = c.per_tensor;
      const model = loadOnnx(modelBytes({
        nodes: [
          node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xzp']),
          node('MatMulInteger', ['xq', 'W', 'xzp'], ['yi']),
          node('Cast', ['yi'], ['yf'], { to: DT.FLOAT }),
          node('Mul', ['xs', 'ws'], ['s']),
          node('Mul', ['yf', 's'], ['ys']),
          node('Add', ['ys', 'bias'], ['y']),
        ],
        inputs: [valueInfo('x', c.x.shape)],
        initializers: [tensor('W', pt.b_q.shape, pt.b_q.data, DT.INT8), tensor('ws', [1], pt.b_scale), tensor('bias', [c.bias.length], c.bias)],
        outputs: ['y', 'yi', 'xq'],
        opset: 13,
      }));
      const out = model.run({ x: { data: Float32Array.from(c.x.data), shape: c.x.shape } });
      expect(Array.from(out.xq!.data)).toEqual(c.a_q.data);
      expect(Array.from(out.yi!.data)).toEqual(pt.y_int32.data);
      expect(Array.from(out.y!.data)).toEqual(pt.y_float32_pipeline.data.map(Math.fround));
    });
  }
});
