import { describe, expect, it } from 'vitest';
import type { onnx } from '../../src/onnx/index.js';
import { InvalidOptionError } from '../../src/errors.js';
import { DADM_SELECTION, ONNXRUNTIME_SELECTION, outputLayerIndices, quantizeDynamic, type QuantizeDynamicOptions } from '../../src/quant/index.js';
import { encode, floatTensor, makeModel, valueInfo } from './quant-fixtures.js';
import { expectError } from '../tensor/expect-error.js';

/** Deterministic, non-trivial weights (no randomness needed). */
function weights(count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.fround(Math.sin(i + 1) * 0.5));
}

/** `x [batch, k] -> mm1 (W1 [k, h]) -> Relu -> mm2 (W2 [h, k]) -> y`, an autoencoder's hidden and output layer. */
function twoLayers(k: number, h: number): onnx.ModelProto {
  return makeModel({
    nodes: [
      { opType: 'MatMul', name: 'mm1', input: ['x', 'W1'], output: ['h'] },
      { opType: 'Relu', name: 'relu', input: ['h'], output: ['r'] },
      { opType: 'MatMul', name: 'mm2', input: ['r', 'W2'], output: ['y'] },
    ],
    initializers: [floatTensor('W1', [k, h], weights(k * h)), floatTensor('W2', [h, k], weights(h * k))],
    inputs: [valueInfo('x', ['batch', k])],
    outputs: [valueInfo('y', ['batch', k])],
  });
}

const ALL_OFF = { minWeights: 0, keepOutputLayers: false, requireSmaller: false };

describe('outputLayerIndices', () => {
  const n = (opType: string, input: string[], output: string[]): onnx.NodeProto => ({ opType, input, output });

  it('marks the nodes from which no MatMul/Gemm/Conv is reachable', () => {
    const nodes = [
      n('MatMul', ['x', 'W0'], ['a']), // 0 -> Relu -> Gemm: hidden
      n('Relu', ['a'], ['b']), // 1 -> Gemm: hidden
      n('Gemm', ['b', 'W1'], ['c']), // 2 -> Sub -> Mul -> ReduceMean: output layer
      n('Sub', ['c', 'x'], ['d']),
      n('Mul', ['d', 'd'], ['e']),
      n('ReduceMean', ['e'], ['score']),
    ];
    expect([...outputLayerIndices(nodes)].sort()).toEqual([2, 3, 4, 5]);
  });

  it('counts a node as hidden when any one branch reaches a linear op, including Conv', () => {
    const nodes = [
      n('MatMul', ['x', 'W0'], ['a']), // read by the graph output branch and by the Conv branch
      n('Identity', ['a'], ['out1']),
      n('Conv', ['a', 'K'], ['out2']),
      n('MatMul', ['x', 'W1'], ['out3']),
    ];
    expect([...outputLayerIndices(nodes)].sort()).toEqual([1, 2, 3]);
  });
});

describe('quantizeDynamic: selection rules', () => {
  it('defaults to onnxruntime behaviour: every eligible node, however small, is rewritten', () => {
    const { report } = quantizeDynamic(twoLayers(3, 2));
    expect(report.quantized.map((q) => q.node)).toEqual(['mm1', 'mm2']);
    expect(ONNXRUNTIME_SELECTION).toEqual(ALL_OFF);
    expect(DADM_SELECTION).toEqual({ minWeights: 1024, keepOutputLayers: true, requireSmaller: true });
  });

  it('keeps weights with fewer than minWeights elements in float and says how many they have', () => {
    const { report } = quantizeDynamic(twoLayers(8, 4), { ...ALL_OFF, minWeights: 33 });
    expect(report.quantized).toEqual([]);
    expect(report.skipped).toEqual([
      { node: 'mm1', opType: 'MatMul', reason: "weight 'W1' has 32 elements, fewer than minWeights (33)" },
      { node: 'mm2', opType: 'MatMul', reason: "weight 'W2' has 32 elements, fewer than minWeights (33)" },
    ]);
    expect(quantizeDynamic(twoLayers(8, 4), { ...ALL_OFF, minWeights: 32 }).report.quantized).toHaveLength(2);
  });

  it('keeps the output layer in float with keepOutputLayers and rewrites the hidden one', () => {
    const { model, report } = quantizeDynamic(twoLayers(8, 4), { ...ALL_OFF, keepOutputLayers: true });
    expect(report.quantized.map((q) => q.node)).toEqual(['mm1']);
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]!.node).toBe('mm2');
    expect(report.skipped[0]!.reason).toMatch(/^output layer: no MatMul\/Gemm follows it, .*\(keepOutputLayers\)$/);
    // The output layer's float weight stays; the hidden layer's is replaced.
    const names = model.graph!.initializer!.map((t) => t.name);
    expect(names).toContain('W2');
    expect(names).not.toContain('W1');
  });

  it('with requireSmaller, leaves a tiny model unchanged and says the rewrite would not shrink it', () => {
    const input = twoLayers(3, 2);
    const { model, report } = quantizeDynamic(input, { ...ALL_OFF, requireSmaller: true });
    expect(report.quantized).toEqual([]);
    for (const s of report.skipped) {
      expect(s.reason).toMatch(/^quantizing would not shrink the model: the integer nodes and weight take \d+ bytes more than the float ones \(requireSmaller\)$/);
    }
    expect(report.skipped.map((s) => s.node)).toEqual(['mm1', 'mm2']);
    expect(encode(model)).toEqual(encode(input));
    expect(report.sizeAfter).toBe(report.sizeBefore);
  });

  it('with requireSmaller, still rewrites a weight large enough to pay for its nodes', () => {
    const { report } = quantizeDynamic(twoLayers(64, 32), { ...ALL_OFF, requireSmaller: true });
    expect(report.quantized.map((q) => q.node)).toEqual(['mm1', 'mm2']);
    expect(report.sizeAfter).toBeLessThan(report.sizeBefore);
  });

  it('reports bytesSaved that add up to the change of the encoded size (within the graph length varint)', () => {
    const { report } = quantizeDynamic(twoLayers(64, 32));
    const saved = report.quantized.reduce((s, q) => s + q.bytesSaved, 0);
    // Float weight 64*32*4 bytes becomes 64*32 int8 bytes plus five nodes and two scalars per layer.
    expect(report.quantized.every((q) => q.bytesSaved > 3 * 64 * 32 - 1000 && q.bytesSaved < 3 * 64 * 32)).toBe(true);
    expect(Math.abs(saved - (report.sizeBefore - report.sizeAfter))).toBeLessThanOrEqual(2);
  });

  const bad: [string, QuantizeDynamicOptions, RegExp][] = [
    ['negative minWeights', { minWeights: -1 }, /quantizeDynamic: minWeights must be a non-negative integer, got -1/],
    ['fractional minWeights', { minWeights: 1.5 }, /minWeights must be a non-negative integer, got 1.5/],
    ['string minWeights', { minWeights: '10' as unknown as number }, /minWeights must be a non-negative integer, got "10"/],
    ['keepOutputLayers', { keepOutputLayers: 1 as unknown as boolean }, /quantizeDynamic: keepOutputLayers must be a boolean, got 1/],
    ['requireSmaller', { requireSmaller: 'yes' as unknown as boolean }, /quantizeDynamic: requireSmaller must be a boolean, got "yes"/],
  ];
  for (const [label, options, pattern] of bad) {
    it(`throws InvalidOptionError for a ${label}`, () => {
      expectError(() => quantizeDynamic(twoLayers(3, 2), options), InvalidOptionError, pattern);
    });
  }
});
