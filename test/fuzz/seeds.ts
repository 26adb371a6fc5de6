/**
 * The valid files every fuzz target starts from: the numpy reference corpus (.npy/.npz), arrays and
 * tensors written by dadm, a real checkpoint and drift reference from a tiny `train` run, the ONNX
 * models dadm exports (autoencoder, its int8 quantization, isolation forest) plus the PyTorch
 * fixtures, and the default config.yaml. Built once into a folder, then read back by every worker.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy, writeNpz, writeSafetensors } from '../../src/io/index.js';
import { defaultConfigYaml, exportOnnx, generateData, mergeConfig, defaultConfig, quantizeModel, train } from '../../src/pipeline/index.js';

/** Seed inputs per format. */
export interface SeedCorpus {
  npy: Uint8Array[];
  npz: Uint8Array[];
  safetensors: Uint8Array[];
  checkpoint: Uint8Array[];
  driftReference: Uint8Array[];
  onnx: Uint8Array[];
  yaml: string[];
}

const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, FIXTURES)));

/** Small arrays of every dtype family, written by dadm itself. */
function ownArrays(): Uint8Array[] {
  return [
    writeNpy({ data: Float32Array.of(1, -2, 3.5, 0, 5, 6), shape: [2, 3] }),
    writeNpy({ data: Float64Array.of(0.25), shape: [] }),
    writeNpy({ data: BigInt64Array.of(1n, -2n, 3n), shape: [3] }),
    writeNpy({ data: Uint8Array.of(1, 0, 1, 1), shape: [2, 2], dtype: '|b1' }),
    writeNpy({ data: new Float32Array(0), shape: [0, 4] }),
  ];
}

/**
 * Trains a tiny autoencoder and isolation forest in `dir` (a few seconds) and writes the seed files
 * there; does nothing when they are already there.
 */
export function buildSeeds(dir: string): void {
  if (existsSync(join(dir, 'seeds.done'))) return;
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data.npy');
  generateData({ rows: 400, out: data, seed: 3 });
  const config = mergeConfig({ autoencoder: { hiddenDims: [8, 4] }, training: { epochs: 1, batchSize: 64 } }, defaultConfig());
  const ae = train({ data, outDir: join(dir, 'ae'), config });
  const forest = train({ data, outDir: join(dir, 'if'), config: mergeConfig({ model: 'iforest', iforest: { nEstimators: 4, maxSamples: 32 } }, config) });
  exportOnnx({ checkpoint: ae.files.model, output: join(dir, 'ae.onnx') });
  quantizeModel({ model: join(dir, 'ae.onnx'), output: join(dir, 'ae_int8.onnx'), minWeights: 0 });
  exportOnnx({ checkpoint: forest.files.model, output: join(dir, 'if.onnx') });
  writeFileSync(join(dir, 'seeds.done'), '');
}

/** Reads the corpus {@link buildSeeds} wrote to `dir`, plus the fixtures and dadm-written arrays. */
export function loadSeeds(dir: string): SeedCorpus {
  const read = (...parts: string[]): Uint8Array => new Uint8Array(readFileSync(join(dir, ...parts)));
  const npyFixtures = readdirSync(new URL('npy/', FIXTURES)).sort();
  const own = ownArrays();
  return {
    npy: [...npyFixtures.filter((f) => f.endsWith('.npy')).map((f) => fixture(`npy/${f}`)), ...own],
    npz: [
      ...npyFixtures.filter((f) => f.endsWith('.npz')).map((f) => fixture(`npy/${f}`)),
      writeNpz({ a: { data: Float32Array.of(1, 2), shape: [2] }, b: { data: Int32Array.of(7), shape: [] } }, { compress: true }),
    ],
    safetensors: [
      writeSafetensors({ w: { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] }, b: { data: BigInt64Array.of(5n), shape: [1] } }, { note: 'seed' }),
      read('ae', 'model.safetensors'),
    ],
    checkpoint: [read('ae', 'model.safetensors'), read('if', 'model.safetensors')],
    driftReference: [read('ae', 'drift_reference.npz'), read('if', 'drift_reference.npz')],
    onnx: [read('ae.onnx'), read('ae_int8.onnx'), read('if.onnx'), fixture('onnx/autoencoder_opset13.onnx'), fixture('onnx/transformer_encoder_layer_opset17.onnx')],
    yaml: [defaultConfigYaml(), 'model: iforest\niforest:\n  n_estimators: 10\n', 'autoencoder:\n  hidden_dims: &h [32, 8]\ntraining: {epochs: 2, batch_size: 16}\n'],
  };
}
