import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { readSafetensorsFile } from '../../src/io/index.js';
import { ENDPOINT_V1 } from '../../src/schema/index.js';
import { exportOnnx } from '../../src/pipeline/export-onnx.js';
import { generateData, train } from '../../src/pipeline/index.js';
import { inspectModel } from '../../src/pipeline/inspect.js';
import { quantizeModel } from '../../src/pipeline/quantize.js';
import { smallConfig, tempDir } from './helpers.js';
import { expectError } from '../tensor/expect-error.js';

const dir = tempDir('dadm-inspect-');
const data = join(dir, 'data.npy');
const ckpt = join(dir, 'ae', 'model.safetensors');
const forestCkpt = join(dir, 'if', 'model.safetensors');
const model = join(dir, 'model.onnx');
const quantized = join(dir, 'model_quantized.onnx');

beforeAll(() => {
  generateData({ rows: 600, out: data, seed: 2 });
  train({ data, outDir: join(dir, 'ae'), config: smallConfig({ training: { epochs: 1 } }) });
  train({ data, outDir: join(dir, 'if'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 5 } }) });
  exportOnnx({ checkpoint: ckpt, output: model });
  quantizeModel({ model, output: quantized, minWeights: 0, keepOutputLayers: false, requireSmaller: false });
});

describe('inspectModel', () => {
  it('describes an exported autoencoder: inputs, outputs, ops, parameters, metadata', () => {
    const i = inspectModel(model);
    const ckptMeta = readSafetensorsFile(ckpt).metadata;
    expect(i.format).toBe('onnx');
    expect(i.bytes).toBe(readFileSync(model).length);
    expect(i.modelType).toBe('autoencoder');
    expect(i.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: [1, 64] }]);
    expect(i.outputs).toEqual([
      { name: 'score', dtype: 'float32', shape: [1] },
      { name: 'reconstruction', dtype: 'float32', shape: [1, 64] },
    ]);
    expect(i.ops).toEqual({ MatMul: 4, Add: 4, Relu: 3, Sub: 1, Mul: 1, Gather: 1, ReduceMean: 1 });
    // 64-16-4-16-64 weights and biases, plus the 12 active-feature indices of the Gather.
    const weights = 64 * 16 + 16 + 16 * 4 + 4 + 4 * 16 + 16 + 16 * 64 + 64;
    expect(i.parameters).toBe(weights + 12);
    expect(i.opsets).toEqual([{ domain: 'ai.onnx', version: 17 }]);
    expect(i.irVersion).toBe(8);
    expect(i.schema).toEqual({ name: 'endpoint-v1', version: ENDPOINT_V1.version, hash: ENDPOINT_V1.hash });
    expect(i.threshold).toBe(JSON.parse(ckptMeta.threshold!));
    expect(i.quantized).toBe(false);
    expect(i.metadata['dadm.threshold_method']).toBe(ckptMeta.threshold_method);
  });

  it('marks a quantized model and shows its quantization settings', () => {
    const i = inspectModel(quantized);
    expect(i.quantized).toBe(true);
    expect(i.ops.MatMulInteger).toBe(4);
    expect(i.ops.DynamicQuantizeLinear).toBe(4);
    expect(i.ops.MatMul).toBeUndefined();
    expect(JSON.parse(i.metadata['dadm.quantization']!).weightType).toBe('int8');
  });

  it('describes a checkpoint: model type, schema, threshold, training summary, parameters', () => {
    const i = inspectModel(ckpt);
    const { tensors, metadata } = readSafetensorsFile(ckpt);
    let params = 0;
    for (const t of tensors.values()) params += t.data.length;
    expect(i.format).toBe('dadm-checkpoint');
    expect(i.modelType).toBe('autoencoder');
    expect(i.parameters).toBe(params);
    expect(i.ops).toEqual({ Linear: 4, ReLU: 3 });
    expect(i.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['batch', 64] }]);
    expect(i.schema!.name).toBe('endpoint-v1');
    expect(i.threshold).toBe(JSON.parse(metadata.threshold!));
    expect(i.training).toEqual(JSON.parse(metadata.training!));
    expect(i.metadata.format).toBe('dadm-checkpoint');
  });

  it('counts trees and nodes of a forest checkpoint', () => {
    const i = inspectModel(forestCkpt);
    const offsets = readSafetensorsFile(forestCkpt).tensors.get('trees.node_offsets')!.data;
    expect(i.modelType).toBe('iforest');
    expect(i.ops).toEqual({ trees: 5, nodes: offsets[5] });
  });

  it('throws FormatError naming the file for something that is not a model', () => {
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not a model at all');
    expectError(() => inspectModel(junk), FormatError, /junk\.onnx: onnx: bytes must be a valid ONNX ModelProto protobuf/);
    expectError(() => inspectModel(join(dir, 'missing.onnx')), InvalidOptionError, /missing\.onnx: model \(--model\) must exist, got ENOENT \(no such file or directory\)$/);
  });
});
