import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, FormatError, InvalidOptionError } from '../../src/errors.js';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { explain, exportOnnx, generateData, loadCheckpoint, readCheckpoint, readDriftReference, score, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from './helpers.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

const dir = tempDir('dadm-explain-');
const ae = join(dir, 'ae', 'model.safetensors');
const forest = join(dir, 'if', 'model.safetensors');
const sample = join(dir, 'sample.npy');
const onnxModel = join(dir, 'ae', 'model.onnx');

beforeAll(() => {
  const data = join(dir, 'data.npy');
  generateData({ rows: 1500, out: data, seed: 1, anomalyRate: 0.03 });
  train({ data, outDir: join(dir, 'ae'), config: smallConfig() });
  train({ data, outDir: join(dir, 'if'), config: smallConfig({ iforest: { nEstimators: 10 } }), model: 'iforest' });
  generateData({ rows: 6, out: sample, seed: 7, anomalyRate: 0.5 });
  // The last row gets two extreme behaviours, so at least one row is flagged.
  const rowsData = readNpyFile(sample).data as Float32Array;
  rowsData[(6 - 1) * 64 + 3] = 6;
  rowsData[(6 - 1) * 64 + 10] = 6;
  writeNpyFile(sample, { data: Float32Array.from(rowsData), shape: [6, 64] });
  exportOnnx({ checkpoint: ae, output: onnxModel, dynamicBatch: true });
}, 60_000);

/** Scores of the sample through `dadm score` (the streaming scorer), an independent path. */
function referenceScores(model: string): Float32Array {
  return score({ model, data: sample }).scores;
}

describe('explain (reconstruction)', () => {
  it('scores, flags and ranks every row; shares of all active features sum to 1', () => {
    const r = explain({ model: ae, data: sample, method: 'reconstruction', topK: 12 });
    const threshold = readCheckpoint(ae).threshold;
    const ref = referenceScores(ae);
    expect(r).toMatchObject({ method: 'reconstruction', modelType: 'autoencoder', rows: 6, topK: 12, background: null, threshold });
    const byRow = [...r.explained].sort((a, b) => a.row - b.row);
    expect(byRow.map((e) => e.row)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(byRow.map((e) => e.score)).toBeAllclose(ref, { rtol: 1e-5 });
    expect(byRow.map((e) => e.flagged)).toEqual(Array.from(ref, (s) => s > threshold));
    const raw = readNpyFile(sample).data as Float32Array;
    for (const row of r.explained) {
      const shares = row.top.map((f) => f.contribution);
      expect(shares.reduce((a, b) => a + b, 0)).toBeAllclose(1, { rtol: 1e-9 });
      expect([...shares].sort((a, b) => b - a)).toEqual(shares);
      for (const f of row.top) expect(f.value).toBe(raw[row.row * 64 + f.feature]);
      // score = mean over the 12 active features of (reconstructed - value)^2 (no scaler here)
      const mse = row.top.reduce((s, f) => s + (f.reconstructed! - f.value) ** 2, 0) / 12;
      expect(mse).toBeAllclose(row.score, { rtol: 1e-4 });
    }
  });

  it('reports rows by descending score, and with top only the most anomalous ones', () => {
    const ref = referenceScores(ae);
    const order = Array.from(ref.keys()).sort((a, b) => ref[b]! - ref[a]! || a - b);
    expect(explain({ model: ae, data: sample }).explained.map((e) => e.row)).toEqual(order);
    expect(explain({ model: ae, data: sample, top: 2 }).explained.map((e) => e.row)).toEqual(order.slice(0, 2));
    const flagged = order.filter((r) => ref[r]! > readCheckpoint(ae).threshold);
    expect(explain({ model: ae, data: sample, top: 100, onlyFlagged: true }).explained.map((e) => e.row)).toEqual(flagged);
    // Given rows keep the caller's order.
    expect(explain({ model: ae, data: sample, rows: [4, 1] }).explained.map((e) => e.row)).toEqual([4, 1]);
    expectError(() => explain({ model: ae, data: sample, top: 0 }), InvalidOptionError, /^explain: top must be an integer >= 1, got 0$/);
  });

  it('uses the checkpoint config defaults (method reconstruction, top_k 5)', () => {
    const r = explain({ model: ae, data: sample });
    expect(r.method).toBe('reconstruction');
    expect(r.explained.every((e) => e.top.length === 5)).toBe(true);
  });

  it('gives the same shares through model.onnx', () => {
    const a = explain({ model: ae, data: sample, method: 'reconstruction', topK: 12 });
    const b = explain({ model: onnxModel, data: sample, method: 'reconstruction', topK: 12 });
    for (let i = 0; i < a.explained.length; i++) {
      expect(b.explained[i]!.top.map((f) => f.feature)).toEqual(a.explained[i]!.top.map((f) => f.feature));
      expect(b.explained[i]!.top.map((f) => f.contribution)).toBeAllclose(a.explained[i]!.top.map((f) => f.contribution), { rtol: 1e-4, atol: 1e-6 });
    }
  });
});

describe('explain (shap)', () => {
  it('is efficient against the drift reference background: sum(phi) = score - mean background score', () => {
    const r = explain({ model: ae, data: sample, method: 'shap', topK: 12, backgroundRows: 20, onlyFlagged: false });
    expect(r.background).toEqual({ source: join(dir, 'ae', 'drift_reference.npz'), rows: 20 });
    const ref = readDriftReference(join(dir, 'ae', 'drift_reference.npz'));
    const bg = new Float32Array(20 * 64);
    // Documented choice: 20 evenly spaced rows of the file-ordered reservoir sample.
    const pick = (i: number): number => Math.floor(((i + 0.5) * ref.sampleRows) / 20);
    expect(pick(19)).toBeGreaterThan(ref.sampleRows / 2);
    for (let i = 0; i < 20; i++) bg.set(ref.sample.subarray(pick(i) * 12, (pick(i) + 1) * 12), i * 64);
    const bgScores = loadCheckpoint(ae).score(bg, 20);
    const meanBg = bgScores.reduce((a, b) => a + b, 0) / 20;
    for (const row of r.explained) {
      expect(row.exact).toBe(true);
      expect(row.baseValue).toBeAllclose(meanBg, { rtol: 1e-4 });
      expect(row.top.reduce((s, f) => s + f.contribution, 0)).toBeAllclose(row.score - meanBg, { rtol: 1e-4, atol: 1e-5 });
    }
  });

  it('explains only flagged rows with onlyFlagged, and agrees with model.onnx and an explicit background', () => {
    const bgPath = join(dir, 'bg.npy');
    const data = readNpyFile(join(dir, 'data.npy')).data as Float32Array;
    writeNpyFile(bgPath, { data: data.subarray(0, 30 * 64), shape: [30, 64] });
    const a = explain({ model: ae, data: sample, method: 'shap', topK: 3, background: bgPath, backgroundRows: 10, onlyFlagged: true });
    expect(a.background).toEqual({ source: bgPath, rows: 10 });
    expect(a.flagged).toBeGreaterThan(0);
    expect(a.explained.length).toBe(a.flagged);
    expect(a.explained.every((e) => e.flagged)).toBe(true);
    const b = explain({ model: onnxModel, data: sample, method: 'shap', topK: 3, background: bgPath, backgroundRows: 10, onlyFlagged: true });
    expect(b.explained.map((e) => e.row)).toEqual(a.explained.map((e) => e.row));
    for (let i = 0; i < a.explained.length; i++) {
      expect(b.explained[i]!.top.map((f) => f.contribution)).toBeAllclose(a.explained[i]!.top.map((f) => f.contribution), { rtol: 1e-3, atol: 1e-5 });
    }
  });

  it('reports progress after each explained row', () => {
    const events: { done: number; total: number }[] = [];
    const r = explain({ model: ae, data: sample, method: 'reconstruction', onlyFlagged: true, onProgress: (e) => { if (e.kind === 'rows' && e.phase === 'explain') events.push({ done: e.done, total: e.total }); } });
    expect(r.explained.length).toBeGreaterThan(0);
    expect(events).toEqual(r.explained.map((_, i) => ({ done: i + 1, total: r.explained.length })));
  });

  it('explains an isolation forest through its score function', () => {
    const r = explain({ model: forest, data: sample, method: 'shap', topK: 12, backgroundRows: 5 });
    const ref = referenceScores(forest);
    expect(r.modelType).toBe('iforest');
    expect([...r.explained].sort((a, b) => a.row - b.row).map((e) => e.score)).toBeAllclose(ref, { rtol: 1e-6 });
    for (const row of r.explained) {
      expect(row.top.reduce((s, f) => s + f.contribution, 0)).toBeAllclose(row.score - row.baseValue!, { rtol: 1e-4, atol: 1e-6 });
    }
  });
});

describe('explain errors', () => {
  it('throws InvalidOptionError for reconstruction on an isolation forest', () => {
    const call = () => explain({ model: forest, data: sample, method: 'reconstruction' });
    expectError(call, InvalidOptionError, /^explain: method 'reconstruction' must be used with an autoencoder, got iforest \(use method shap\)$/);
  });
  it('throws InvalidOptionError for top-k outside [1, active features]', () => {
    expectError(() => explain({ model: ae, data: sample, topK: 13 }), InvalidOptionError, /^explain: top-k must be an integer in \[1, 12\], got 13$/);
  });
  it('throws DataError for a background of another width and for data of another width', () => {
    const bad = join(dir, 'bad-bg.npy');
    writeNpyFile(bad, { data: new Float32Array(30), shape: [3, 10] });
    expectError(() => explain({ model: ae, data: sample, method: 'shap', background: bad }), DataError, /bad-bg\.npy: background must be \[rows, 64\] like the data, got \(3, 10\)$/);
    expectError(() => explain({ model: ae, data: bad }), DataError, /bad-bg\.npy: width must be 64 \(schema endpoint-v1: 12 features \+ 52 zero padding\), got 10; the model was trained on the endpoint schema \(for other data, train one with `schema: none` in config\.yaml\)$/);
  });
  it('throws DataError naming the file and row when a row\'s score is not finite (checkpoint and model.onnx)', () => {
    const huge = join(dir, 'huge.npy');
    const rows = Float32Array.from(readNpyFile(sample).data as Float32Array);
    rows[2 * 64 + 4] = 1e30;
    writeNpyFile(huge, { data: rows, shape: [6, 64] });
    for (const model of [ae, onnxModel]) {
      expectError(() => explain({ model, data: huge, method: 'shap', backgroundRows: 5 }), DataError, new RegExp(`^${escapeRegExp(huge)}: row 2 score must be finite, got Infinity`));
    }
  });

  it('throws FormatError for a file that is not a model', () => {
    expectError(() => explain({ model: sample, data: sample }), FormatError, new RegExp(`^${escapeRegExp(sample)}: header length must be in \\[2, \\d+\\] \\(file size \\d+ - 8\\), got \\d+ \\(not a safetensors file\\?\\)$`));
  });
});
