/**
 * `explain --model model.onnx` on a graph dadm exported takes the kind's structured path: the
 * autoencoder's weights and the forest's trees rebuilt from the graph. Checked three ways: the same
 * Shapley values as the checkpoint it came from, efficiency against onnxruntime-web's scores of the
 * file (an outside runtime), and the score-function path for any graph that is not exactly dadm's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shapleyValues } from '../../src/explain/index.js';
import { readNpyFile } from '../../src/io/index.js';
import { onnx } from '../../src/onnx/index.js';
import { explain, exportOnnx, generateData, loadOnnxDetector, train } from '../../src/pipeline/index.js';
import { runOrt } from '../onnx-writer/export-helpers.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';

const dir = tempDir('dadm-explain-onnx-');
const data = join(dir, 'data.npy');
const sample = join(dir, 'sample.npy');
const D = 64;
const ACTIVE = Array.from({ length: 12 }, (_, j) => j);

/** Trained models by name: checkpoint and exported graphs. */
const models = {
  ae: { config: smallConfig(), kind: 'autoencoder' as const, shap: 'mlp-autoencoder' },
  forest: { config: smallConfig({ iforest: { nEstimators: 12 } }), kind: 'iforest' as const, shap: 'isolation-forest' },
  // Standardized: the forest's graph has the scaler folded into its thresholds and still rebuilds.
  forestStd: { config: smallConfig({ standardize: true, iforest: { nEstimators: 8 } }), kind: 'iforest' as const, shap: 'isolation-forest' },
};
type Name = keyof typeof models;
const ckpt = (m: Name): string => join(dir, m, 'model.safetensors');
const graph = (m: Name, batch: 'dyn' | 'one'): string => join(dir, m, `model-${batch}.onnx`);

beforeAll(() => {
  generateData({ rows: 1200, out: data, seed: 3, anomalyRate: 0.05 });
  generateData({ rows: 5, out: sample, seed: 9, anomalyRate: 0.6 });
  for (const [name, m] of Object.entries(models)) {
    train({ data, outDir: join(dir, name), config: m.config, model: m.kind });
    exportOnnx({ checkpoint: ckpt(name as Name), output: graph(name as Name, 'dyn'), dynamicBatch: true });
    exportOnnx({ checkpoint: ckpt(name as Name), output: graph(name as Name, 'one'), dynamicBatch: false });
  }
}, 120_000);

describe('explain on a dadm-exported .onnx takes the structured path', () => {
  for (const name of Object.keys(models) as Name[]) {
    it(`${name}: the detector's explain model is the rebuilt ${models[name].shap}, for a dynamic and a fixed batch`, () => {
      for (const batch of ['dyn', 'one'] as const) {
        const hooks = loadOnnxDetector(graph(name, batch)).explain;
        expect(typeof hooks.shapModel).toBe('object');
        expect((hooks.shapModel as { kind: string }).kind).toBe(models[name].shap);
      }
    });

    it(`${name}: gives the checkpoint's Shapley values`, () => {
      const opts = { data: sample, method: 'shap' as const, topK: 12, backgroundRows: 8 };
      // Both read the background from drift_reference.npz next to them (the same file).
      const a = explain({ model: ckpt(name), ...opts });
      const b = explain({ model: graph(name, 'dyn'), ...opts });
      expect(b.explained.map((e) => e.row)).toEqual(a.explained.map((e) => e.row));
      for (let i = 0; i < a.explained.length; i++) {
        const byFeature = (r: typeof a): number[] => [...r.explained[i]!.top].sort((x, y) => x.feature - y.feature).map((f) => f.contribution);
        expect(byFeature(b)).toBeAllclose(byFeature(a), { rtol: 1e-4, atol: 1e-6 });
      }
    });

    it(`${name}: Shapley values are efficient against onnxruntime-web's scores of the file`, async () => {
      const { shapModel } = loadOnnxDetector(graph(name, 'dyn')).explain;
      const rows = readNpyFile(sample).data as Float32Array;
      const bg = (readNpyFile(data).data as Float32Array).slice(0, 6 * D);
      const bytes = new Uint8Array(readFileSync(graph(name, 'dyn')));
      for (let r = 0; r < 3; r++) {
        const x = rows.slice(r * D, (r + 1) * D);
        const phi = shapleyValues(shapModel, x, { data: bg, rows: 6 }, { features: ACTIVE });
        // v(empty set): the background rows with the columns that are not attributed set to x's.
        const hybrid = bg.slice();
        for (let b = 0; b < 6; b++) for (let j = 12; j < D; j++) hybrid[b * D + j] = x[j]!;
        const ortX = (await runOrt(bytes, x, [1, D])).score!.data[0]!;
        const ortBg = (await runOrt(bytes, hybrid, [6, D])).score!.data;
        const base = ortBg.reduce((s, v) => s + v, 0) / 6;
        expect(phi.value).toBeAllclose(ortX, { rtol: 1e-5, atol: 1e-7 });
        expect(phi.baseValue).toBeAllclose(base, { rtol: 1e-5, atol: 1e-7 });
        expect(phi.phi.reduce((s, v) => s + v, 0)).toBeAllclose(ortX - base, { rtol: 1e-4, atol: 1e-6 });
      }
    });
  }
});

describe('explain on other graphs scores coalitions through the runtime', () => {
  it('takes the score-function path for an edited graph, a graph without dadm.model_type and a standardizing autoencoder', () => {
    const edited = onnx.decodeModel(readFileSync(graph('ae', 'dyn')));
    edited.graph!.node![0]!.name = 'renamed';
    const noType = onnx.decodeModel(readFileSync(graph('forest', 'dyn')));
    noType.metadataProps = (noType.metadataProps ?? []).filter((p) => p.key !== 'dadm.model_type');
    const files = { edited, noType };
    for (const [name, m] of Object.entries(files)) {
      const path = join(dir, `${name}.onnx`);
      writeFileSync(path, onnx.encodeModel(m));
      expect(typeof loadOnnxDetector(path).explain.shapModel).toBe('function');
    }
    const std = join(dir, 'ae-std');
    train({ data, outDir: std, config: smallConfig({ standardize: true, training: { epochs: 1 } }) });
    exportOnnx({ checkpoint: join(std, 'model.safetensors'), output: join(std, 'model.onnx'), dynamicBatch: true });
    expect(typeof loadOnnxDetector(join(std, 'model.onnx')).explain.shapModel).toBe('function');
  }, 60_000);
});
