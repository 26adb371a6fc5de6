import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile } from '../../src/io/index.js';
import { exportOnnx, generateData, loadOnnxDetector, quantizeModel, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from './helpers.js';

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

  it('keeps a dynamically quantized model row by row (its scale depends on the whole batch)', () => {
    const d = loadOnnxDetector(join(dir, 'ae-int8.onnx'));
    expect(d.batched).toBe(false);
  });
});
