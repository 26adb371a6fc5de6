import { describe, expect, it } from 'vitest';
import type { onnx } from '../../src/onnx/index.js';
import { FormatError, InvalidOptionError, UnsupportedOpError } from '../../src/errors.js';
import { quantizeDynamic, type QuantizeDynamicOptions } from '../../src/quant/index.js';
import {
  encode, floatTensor, makeModel, matmulAddModel, proto, readBytes, runOrt, valueInfo, type GraphSpec,
} from './quant-fixtures.js';
import { expectError } from '../tensor/expect-error.js';

const W = { shape: [3, 2], data: [0.5, -1, 0.25, 2, -0.75, 0.125] };
const bias = [0.1, -0.2];

function ops(model: onnx.ModelProto): string[] {
  return model.graph!.node!.map((n) => n.opType!);
}
function initializerNames(model: onnx.ModelProto): string[] {
  return model.graph!.initializer!.map((t) => t.name!);
}
function node(model: onnx.ModelProto, opType: string, nth = 0): onnx.NodeProto {
  return model.graph!.node!.filter((n) => n.opType === opType)[nth]!;
}
function twoMatMuls(shareWeight: boolean, extra: Partial<GraphSpec> = {}): onnx.ModelProto {
  return makeModel({
    nodes: [
      { opType: 'MatMul', name: 'mm1', input: ['x', 'W'], output: ['h1'] },
      { opType: 'MatMul', name: 'mm2', input: ['x', shareWeight ? 'W' : 'W2'], output: ['h2'] },
      { opType: 'Add', name: 'sum', input: ['h1', 'h2'], output: ['y'] },
    ],
    initializers: [floatTensor('W', [3, 2], W.data), floatTensor('W2', [3, 2], W.data.map((v) => -v))],
    inputs: [valueInfo('x', ['batch', 3])],
    outputs: [valueInfo('y', ['batch', 2])],
    ...extra,
  });
}
function gemmModel(attrs: { transA?: number; transB?: number; alpha?: number; beta?: number }, withBias = true): onnx.ModelProto {
  const attribute: onnx.AttributeProto[] = [];
  for (const k of ['transA', 'transB'] as const) if (attrs[k] !== undefined) attribute.push({ name: k, type: 2, i: attrs[k] });
  for (const k of ['alpha', 'beta'] as const) if (attrs[k] !== undefined) attribute.push({ name: k, type: 1, f: attrs[k] });
  const Wt = [0.5, 0.25, -0.75, -1, 2, 0.125]; // W transposed, [2, 3]
  return makeModel({
    nodes: [{ opType: 'Gemm', name: 'fc', input: withBias ? ['x', 'B', 'C'] : ['x', 'B'], output: ['y'], attribute }],
    initializers: [floatTensor('B', attrs.transB ? [2, 3] : [3, 2], attrs.transB ? Wt : W.data), floatTensor('C', [2], bias)],
    inputs: [valueInfo('x', attrs.transA ? [3, 'batch'] : ['batch', 3])],
    outputs: [valueInfo('y', ['batch', 2])],
  });
}

describe('quantizeDynamic: graph structure', () => {
  it('rewrites MatMul into DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(Mul(scales)) and keeps the Add', () => {
    const { model, report } = quantizeDynamic(matmulAddModel(W, bias));
    expect(ops(model)).toEqual(['DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul', 'Add']);
    expect(node(model, 'DynamicQuantizeLinear')).toMatchObject({ name: 'x_QuantizeLinear', input: ['x'], output: ['x_quantized', 'x_scale', 'x_zero_point'] });
    expect(node(model, 'MatMulInteger')).toMatchObject({ input: ['x_quantized', 'W_quantized', 'x_zero_point', 'W_zero_point'], output: ['xw_output_quantized'] });
    const cast = node(model, 'Cast');
    expect(cast.attribute!.map((a) => [a.name, Number(a.i)])).toEqual([['to', 1]]);
    expect(node(model, 'Mul', 0)).toMatchObject({ input: ['x_scale', 'W_scale'], output: ['mm_quant_scales_mul:0'] });
    expect(node(model, 'Mul', 1)).toMatchObject({ input: [cast.output![0], 'mm_quant_scales_mul:0'], output: ['xw'] });
    expect(node(model, 'Add')).toMatchObject({ name: 'add', input: ['xw', 'bias'], output: ['y'] });
    expect(initializerNames(model)).toEqual(['bias', 'W_quantized', 'W_scale', 'W_zero_point']);
    const types = Object.fromEntries(model.graph!.initializer!.map((t) => [t.name, [t.dataType, t.dims!.map(Number)]]));
    expect(types).toMatchObject({ W_quantized: [3, [3, 2]], W_scale: [1, []], W_zero_point: [3, []] });
    expect(report.removedInitializers).toEqual(['W']);
    expect(Number(model.opsetImport![0]!.version)).toBe(17);
  });

  it('names the new nodes after the output when the MatMul has no name, and reports it by output', () => {
    const model = proto.decodeModel(encode(matmulAddModel(W, bias)));
    model.graph!.node![0]!.name = '';
    const { model: out, report } = quantizeDynamic(model);
    expect(report.quantized[0]!.node).toBe('xw');
    expect(node(out, 'MatMulInteger').name).toBe('xw_quant');
    expect(node(out, 'Mul', 1).name).toBe('xw_quant_output_scale_mul');
  });

  it('per channel stores [N] scales and zero points; uint8 stores UINT8 tensors', () => {
    const pc = quantizeDynamic(matmulAddModel(W, bias), { perChannel: true }).model;
    const dims = Object.fromEntries(pc.graph!.initializer!.map((t) => [t.name, t.dims!.map(Number)]));
    expect(dims).toMatchObject({ W_scale: [2], W_zero_point: [2] });
    const u8 = quantizeDynamic(matmulAddModel(W, bias), { weightType: 'uint8' }).model;
    expect(u8.graph!.initializer!.filter((t) => t.name!.startsWith('W_')).map((t) => t.dataType)).toEqual([2, 1, 2]);
  });

  it('quantizes a shared weight once and a shared activation once (as onnxruntime does)', () => {
    const { model, report } = quantizeDynamic(twoMatMuls(true));
    expect(ops(model).filter((o) => o === 'DynamicQuantizeLinear')).toHaveLength(1);
    expect(ops(model).filter((o) => o === 'MatMulInteger')).toHaveLength(2);
    expect(initializerNames(model).filter((n) => n.startsWith('W_'))).toEqual(['W_quantized', 'W_scale', 'W_zero_point']);
    expect(report.quantized.map((q) => [q.node, q.weight])).toEqual([['mm1', 'W'], ['mm2', 'W']]);
    expect(initializerNames(model)).not.toContain('W');
  });

  it('keeps a float weight that an excluded node still reads', () => {
    const { model, report } = quantizeDynamic(twoMatMuls(true), { nodesToExclude: ['mm2'] });
    expect(report.skipped).toEqual([{ node: 'mm2', opType: 'MatMul', reason: 'excluded by nodesToExclude' }]);
    expect(initializerNames(model)).toContain('W');
    expect(report.removedInitializers).toEqual([]);
  });

  it('opTypesToQuantize restricts the rewrite', () => {
    const bytes = readBytes('onnx/autoencoder_opset17.onnx');
    const { report } = quantizeDynamic(proto.decodeModel(bytes), { opTypesToQuantize: ['MatMul'] });
    expect(report.quantized).toEqual([]);
    expect(report.message).toMatch(/no node was quantized: no MatMul node has a constant rank-2 float32 weight/);
  });

  it('Gemm: transB, alpha folded into the scale, beta as Mul(C, beta), Add last', () => {
    const { model } = quantizeDynamic(gemmModel({ transB: 1, alpha: 0.5, beta: 2 }));
    expect(ops(model)).toEqual(['DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul', 'Mul', 'Add']);
    expect(node(model, 'Mul', 0).input).toEqual(['x_scale', 'fc_alpha_scale']);
    expect(node(model, 'Mul', 2)).toMatchObject({ input: ['C', 'fc_beta'], output: ['fc_beta_bias'] });
    expect(node(model, 'Add')).toMatchObject({ input: ['y_scaled_output', 'fc_beta_bias'], output: ['y'] });
    const scale = model.graph!.initializer!.find((t) => t.name === 'B_transposed_scale')!;
    const alphaScale = model.graph!.initializer!.find((t) => t.name === 'fc_alpha_scale')!;
    const f32 = (t: onnx.TensorProto) => new DataView(t.rawData!.buffer, t.rawData!.byteOffset).getFloat32(0, true);
    expect(f32(alphaScale)).toBe(Math.fround(0.5 * f32(scale)));
  });

  for (const [label, attrs, withBias] of [
    ['transB=1 alpha=0.5 beta=2', { transB: 1, alpha: 0.5, beta: 2 }, true],
    ['transB=0 defaults', {}, true],
    ['no C', { transB: 1 }, false],
    ['beta=0', { beta: 0 }, true],
  ] as const) {
    it(`Gemm ${label}: onnxruntime-web output is close to the float Gemm`, async () => {
      const float = gemmModel(attrs, withBias);
      const x = { data: Float32Array.of(1, -2, 0.5, 0.25, 3, -1), shape: [2, 3] };
      const ref = (await runOrt(encode(float), { x })).y!;
      const got = (await runOrt(encode(quantizeDynamic(float).model), { x })).y!;
      // Error budget: K * (|x|max * w_scale/2 + |w|max * x_scale/2) * |alpha| ~ 0.1 here.
      expect(got).toBeAllclose(ref, { rtol: 0, atol: 0.1 });
    });
  }
});

describe('quantizeDynamic: purity and report', () => {
  it('leaves the input model unchanged (byte-identical encoding) and shares no objects with it', () => {
    const input = proto.decodeModel(readBytes('onnx/autoencoder_opset17.onnx'));
    const before = encode(input);
    const { model, report } = quantizeDynamic(input, { perChannel: true });
    expect(encode(input)).toEqual(before);
    model.graph!.node!.length = 0;
    model.graph!.initializer![0]!.rawData![0] = 99;
    expect(encode(input)).toEqual(before);
    expect(report.sizeBefore).toBe(before.length);
    expect(report.sizeAfter).toBeLessThan(report.sizeBefore * 0.6);
    expect(report.message).toBe('quantized 4 of 4 MatMul/Gemm nodes');
  });

  it('returns a structurally equal copy and says so when nothing is quantizable', () => {
    const input = makeModel({
      nodes: [{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'] }],
      initializers: [],
      inputs: [valueInfo('x', [2])],
      outputs: [valueInfo('y', [2])],
    });
    const { model, report } = quantizeDynamic(input);
    expect(encode(model)).toEqual(encode(input));
    expect(model).not.toBe(input);
    expect(report).toMatchObject({ quantized: [], skipped: [], removedInitializers: [] });
    expect(report.message).toMatch(/^no node was quantized/);
  });
});

describe('quantizeDynamic: nodes it skips', () => {
  it('skips a MatMul whose B is not a constant (attention scores) with a reason', () => {
    const model = makeModel({
      nodes: [{ opType: 'MatMul', name: 'qk', input: ['q', 'k'], output: ['s'] }],
      initializers: [],
      inputs: [valueInfo('q', [2, 3]), valueInfo('k', [3, 2])],
      outputs: [valueInfo('s', [2, 2])],
    });
    const { model: out, report } = quantizeDynamic(model);
    expect(report.skipped).toEqual([{ node: 'qk', opType: 'MatMul', reason: "weight 'k' is not a constant initializer" }]);
    expect(report.message).toMatch(/no node was quantized.*\(1 skipped, see report.skipped\)/);
    expect(encode(out)).toEqual(encode(model));
  });

  it('skips Gemm with transA=1', () => {
    const { report } = quantizeDynamic(gemmModel({ transA: 1 }));
    expect(report.skipped).toEqual([{ node: 'fc', opType: 'Gemm', reason: 'transA=1 is not supported (the activation would need a Transpose)' }]);
  });

  it('skips weights that are not rank 2, not float32, or overridable graph inputs', () => {
    const base = matmulAddModel(W, bias);
    const rank3 = proto.decodeModel(encode(base));
    rank3.graph!.initializer![0]!.dims = [1, 3, 2];
    expect(quantizeDynamic(rank3).report.skipped[0]!.reason).toBe("weight 'W' must be rank 2, got [1,3,2]");
    const f64 = proto.decodeModel(encode(base));
    Object.assign(f64.graph!.initializer![0]!, { dataType: 11, floatData: [], doubleData: W.data });
    expect(quantizeDynamic(f64).report.skipped[0]!.reason).toBe("weight 'W' must be float32, got data type 11");
    const overridable = proto.decodeModel(encode(base));
    overridable.graph!.input!.push(valueInfo('W', [3, 2]));
    expect(quantizeDynamic(overridable).report.skipped[0]!.reason).toMatch(/weight 'W' is also a graph input/);
  });
});

describe('quantizeDynamic: errors', () => {
  it('throws InvalidOptionError for an already quantized model', () => {
    const once = quantizeDynamic(matmulAddModel(W, bias)).model;
    expectError(() => quantizeDynamic(once), InvalidOptionError, /quantizeDynamic: model must not be quantized already, got DynamicQuantizeLinear node 'x_QuantizeLinear'/);
  });

  it('throws FormatError when a generated name already exists', () => {
    const model = makeModel({
      nodes: [
        { opType: 'MatMul', name: 'mm', input: ['x', 'W'], output: ['W_quantized'] },
        { opType: 'Relu', name: 'r', input: ['W_quantized'], output: ['y'] },
      ],
      initializers: [floatTensor('W', [3, 2], W.data)],
      inputs: [valueInfo('x', [1, 3])],
      outputs: [valueInfo('y', [1, 2])],
    });
    expectError(() => quantizeDynamic(model), FormatError, /generated tensor name 'W_quantized' must not already exist in the graph/);
  });

  it('throws UnsupportedOpError below opset 11 when something would be rewritten, not otherwise', () => {
    const old = makeModel({ ...specOf(matmulAddModel(W, bias)), opset: 10 });
    expectError(() => quantizeDynamic(old), UnsupportedOpError, /default-domain opset must be >= 11 for DynamicQuantizeLinear, got 10/);
    expect(quantizeDynamic(old, { nodesToExclude: ['mm'] }).report.quantized).toEqual([]);
  });

  it('refuses to return a model its own runtime would refuse (the one checker, reader policy)', () => {
    const future = makeModel({ ...specOf(matmulAddModel(W, bias)), opset: 22 });
    expectError(() => quantizeDynamic(future), FormatError, /^quantizeDynamic: opset version of domain "ai.onnx" must be in \[7, 21\], got 22$/);
  });

  it('throws FormatError for a model without a graph', () => {
    expectError(() => quantizeDynamic({ irVersion: 8 }), FormatError, /model.graph must be present, got none/);
  });

  const badOptions: [string, QuantizeDynamicOptions, RegExp][] = [
    ['perChannel', { perChannel: 'yes' as unknown as boolean }, /perChannel must be a boolean, got "yes"/],
    ['weightType', { weightType: 'int4' as unknown as 'int8' }, /weightType must be 'int8' or 'uint8', got 'int4'/],
    ['opTypesToQuantize', { opTypesToQuantize: ['Conv' as unknown as 'MatMul'] }, /opTypesToQuantize entries must be one of MatMul, Gemm, got 'Conv'/],
    ['empty opTypesToQuantize', { opTypesToQuantize: [] }, /opTypesToQuantize must be a non-empty list, got \[\]/],
    ['nodesToExclude', { nodesToExclude: ['nope'] }, /nodesToExclude entries must name nodes of the graph, got 'nope'/],
  ];
  for (const [label, options, pattern] of badOptions) {
    it(`throws InvalidOptionError for a bad ${label}`, () => {
      expectError(() => quantizeDynamic(matmulAddModel(W, bias), options), InvalidOptionError, pattern);
    });
  }
});

function specOf(model: onnx.ModelProto): GraphSpec {
  const g = model.graph!;
  return { nodes: g.node!, initializers: g.initializer!, inputs: g.input!, outputs: g.output! };
}
