import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_KIND_NAMES } from '../../src/config/index.js';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { MODEL_KINDS, kindOfOnnxName, loadCheckpoint, modelKind, storedFromState } from '../../src/models/index.js';
import { generateData, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';

const dir = tempDir('dadm-registry-');
const data = join(dir, 'data.npy');

beforeAll(() => {
  generateData({ rows: 800, out: data, seed: 4, anomalyRate: 0.05 });
  train({ data, outDir: join(dir, 'autoencoder'), config: smallConfig() });
  train({ data, outDir: join(dir, 'iforest'), config: smallConfig({ iforest: { nEstimators: 6 } }), model: 'iforest' });
  train({ data, outDir: join(dir, 'ecod'), config: smallConfig(), model: 'ecod' });
  train({ data, outDir: join(dir, 'ensemble'), config: smallConfig({ iforest: { nEstimators: 6 }, ensemble: { autoencoderMinSteps: 0 } }), model: 'ensemble' });
  // The transformer reads the rows as 20 hosts of 40 consecutive rows.
  const hosts = join(dir, 'hosts.npy');
  writeNpyFile(hosts, { data: Int32Array.from({ length: 800 }, (_, i) => Math.floor(i / 40)), shape: [800] });
  const seq = smallConfig({ transformer: { dModel: 8, heads: 2, feedForward: 16 }, sequence: { window: 6 }, training: { epochs: 1 } });
  train({ data, hosts, outDir: join(dir, 'transformer'), config: seq, model: 'transformer' });
}, 120_000);

describe('MODEL_KINDS', () => {
  it('has one handler per config kind name, under its own name, found again by its ONNX name', () => {
    expect(Object.keys(MODEL_KINDS).sort()).toEqual([...MODEL_KIND_NAMES].sort());
    for (const name of MODEL_KIND_NAMES) {
      expect(modelKind(name).name).toBe(name);
      expect(kindOfOnnxName(modelKind(name).onnxName)).toBe(modelKind(name));
    }
  });

  it.each([...MODEL_KIND_NAMES])('%s: load(state()) held in memory scores exactly like the checkpoint', (name) => {
    const d = loadCheckpoint(join(dir, name, 'model.safetensors'));
    const again = modelKind(name).load(storedFromState(d.model.state(), { path: 'in-memory', config: d.config, schema: d.schema }));
    const rows = readNpyFile(data).data as Float32Array;
    const n = 50;
    const want = new Float32Array(n);
    const got = new Float32Array(n);
    d.model.score(rows, n, want);
    again.score(rows, n, got);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(again.describe()).toEqual(d.model.describe());
  });
});
