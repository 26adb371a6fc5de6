import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile } from '../../src/io/index.js';
import { exportOnnx, generateData, loadOnnxDetector, quantizeModel, train } from '../../src/pipeline/index.js';
import { encode, makeModel, proto, valueInfo } from '../quant/quant-fixtures.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';

const dir = tempDir('dadm-onnx-scorer-');
const data = join(dir, 'data.npy');

beforeAll(() => {
  generateData({ rows: 1200, out: data, seed: 3, anomalyRate: 0.05 });
  train({ data, outDir: join(dir, 'ae'), config: smallConfig() });
  train({ data, outDir: join(dir, 'if'), config: smallConfig({ iforest: { nEstimators: 8 } }), model: 'iforest' });
  exportOnnx({ checkpoint: join(dir, 'ae', 'model.safetensors'), output: join(dir, 'ae.onnx'), dynamicBatch: false });
  exportOnnx({ checkpoint: join(dir, 'if', 'model.safetensors'), output: join(dir, 'if.onnx'), dynamicBatch: false });
  quantizeModel({ model: join(dir, 'ae.onnx'), output: join(dir, 'ae-int8.onnx'), minWeights: 0, keepOutputLayers: false, requireSmaller: false });
}, 60_000);

describe('loadOnnxDetector (fixed batch of 1)', () => {
  it.each(['ae.onnx', 'if.onnx'])('scores a dadm %s in batches, equal to row-by-row calls of the file as written', (file) => {
    const d = loadOnnxDetector(join(dir, file));
    expect(d.dynamicBatch).toBe(false);
    expect(d.batched).toBe(true);
    const rows = readNpyFile(data).data as Float32Array;
    const n = 300;
    const got = d.score(rows, n);
    const want = new Float32Array(n);
    for (let r = 0; r < n; r++) want[r] = d.model.score(rows.subarray(r * 64, (r + 1) * 64));
    expect(got).toBeAllclose(want, { rtol: 1e-6, atol: 1e-7 });
  });

  it('keeps a fixed-batch graph row by row when scoring rows together would mix them (the probe fails)', () => {
    // score = mean over columns of (x - mean over the batch of x)^2: 0 for any single row, not for a batch
    const model = makeModel({
      nodes: [
        { opType: 'ReduceMean', name: 'batch_mean', input: ['input'], output: ['m'], attribute: [{ name: 'axes', type: proto.AttributeType.INTS, ints: [0] }] },
        { opType: 'Sub', name: 'sub', input: ['input', 'm'], output: ['d'] },
        { opType: 'Mul', name: 'sq', input: ['d', 'd'], output: ['d2'] },
        {
          opType: 'ReduceMean',
          name: 'row_mean',
          input: ['d2'],
          output: ['score'],
          attribute: [
            { name: 'axes', type: proto.AttributeType.INTS, ints: [1] },
            { name: 'keepdims', type: proto.AttributeType.INT, i: 0 },
          ],
        },
      ],
      initializers: [],
      inputs: [valueInfo('input', [1, 4])],
      outputs: [valueInfo('score', [1])],
    });
    model.metadataProps = [{ key: 'dadm.model_type', value: 'autoencoder' }];
    const d = loadOnnxDetector('mixing.onnx', encode(model));
    expect(d.batched).toBe(false);
    expect(Array.from(d.score(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 2))).toEqual([0, 0]);
  });

  it('keeps a dynamically quantized model row by row (its scale depends on the whole batch)', () => {
    const d = loadOnnxDetector(join(dir, 'ae-int8.onnx'));
    expect(d.batched).toBe(false);
  });
});
