import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { generateData, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { expectOneLineError, run } from './helpers.js';

const dir = tempDir('dadm-cli-explain-');
const model = join(dir, 'out', 'model.safetensors');
const forest = join(dir, 'forest', 'model.safetensors');
const sample = join(dir, 'sample.npy');

beforeAll(() => {
  const data = join(dir, 'data.npy');
  generateData({ rows: 1200, out: data, seed: 2, anomalyRate: 0.03 });
  train({ data, outDir: join(dir, 'out'), config: smallConfig() });
  train({ data, outDir: join(dir, 'forest'), config: smallConfig({ iforest: { nEstimators: 5 } }), model: 'iforest' });
  generateData({ rows: 4, out: sample, seed: 9, anomalyRate: 0.5 });
  // The last row gets two extreme behaviours, so at least one row is flagged.
  const rowsData = readNpyFile(sample).data as Float32Array;
  rowsData[(4 - 1) * 64 + 3] = 6;
  rowsData[(4 - 1) * 64 + 10] = 6;
  writeNpyFile(sample, { data: Float32Array.from(rowsData), shape: [4, 64] });
}, 60_000);

describe('dadm explain', () => {
  it('prints per row the score, the flag and the top-k features (--json)', async () => {
    const r = await run('explain', '--model', model, '--data', sample, '--method', 'shap', '--top-k', '3', '--background-rows', '8', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { method: string; rows: number; explained: { row: number; score: number; flagged: boolean; exact: boolean; top: { name: string; contribution: number; value: number }[] }[] };
    expect(doc.method).toBe('shap');
    expect(doc.rows).toBe(4);
    expect([...doc.explained.map((e) => e.row)].sort()).toEqual([0, 1, 2, 3]);
    const scores = doc.explained.map((e) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const e of doc.explained) {
      expect(e.exact).toBe(true);
      expect(e.top).toHaveLength(3);
      expect(typeof e.top[0]!.name).toBe('string');
      expect(e.top[0]!.contribution).toBeGreaterThanOrEqual(e.top[2]!.contribution);
    }
  });

  it('prints human lines with the config defaults (reconstruction, top 5)', async () => {
    const r = await run('explain', '--model', model, '--data', sample);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^autoencoder: \d+ of 4 rows above the threshold \S+; explained 4 with reconstruction$/);
    expect(lines.filter((l) => /^row \d+ {2}score \S+ {2}(FLAGGED|normal)$/.test(l))).toHaveLength(4);
    expect(lines).toContainEqual(expect.stringMatching(/^row 3 {2}score \S+ {2}FLAGGED$/));
    expect(lines.filter((l) => /^ {2}\w+ +share \S+ {2}value \S+ {2}reconstructed \S+$/.test(l))).toHaveLength(20);
  });

  it('exits 2 for a bad --method and 1 with one line for reconstruction on an isolation forest', async () => {
    const bad = await run('explain', '--model', model, '--data', sample, '--method', 'lime');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--method must be one of reconstruction, shap, got 'lime'/);
    const r = await run('explain', '--model', forest, '--data', sample, '--method', 'reconstruction');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^dadm explain: method 'reconstruction' must be used with an autoencoder, got iforest \(use method shap\)$/m);
  });

  it('exits 2 naming both options when --background is given with --method reconstruction, explicit or from the config', async () => {
    const bg = join(dir, 'bg.npy');
    writeNpyFile(bg, { data: new Float32Array(4 * 64), shape: [4, 64] });
    const explicit = await run('explain', '--model', model, '--data', sample, '--background', bg, '--method', 'reconstruction');
    expect(explicit.code).toBe(2);
    expectOneLineError(explicit, /^dadm explain: --background must be used with --method shap \(reconstruction uses no background\), got --method reconstruction\n$/);
    // smallConfig keeps explain.method = reconstruction, the default method of this model.
    const implicit = await run('explain', '--model', model, '--data', sample, '--background', bg);
    expect(implicit.code).toBe(2);
    expectOneLineError(implicit, /^dadm explain: --background must be used with --method shap .*got the model config's explain\.method reconstruction\n$/);
    expect((await run('explain', '--model', model, '--data', sample, '--background', bg, '--method', 'shap', '--quiet')).code).toBe(0);
  });

  it('exits 2 for --top-k above the model\'s feature count', async () => {
    const r = await run('explain', '--model', model, '--data', sample, '--top-k', '13');
    expect(r.code).toBe(2);
    expectOneLineError(r, /^dadm explain: --top-k must be an integer in \[1, 12\], got 13\n$/);
  });

  it('exits 1 naming the file when the --background .npy has no rows', async () => {
    const empty = join(dir, 'empty-bg.npy');
    writeNpyFile(empty, { data: new Float32Array(0), shape: [0, 64] });
    const r = await run('explain', '--model', model, '--data', sample, '--background', empty, '--method', 'shap');
    expect(r.code).toBe(1);
    expectOneLineError(r, /^dadm explain: \S*empty-bg\.npy: background rows must be at least 1, got 0\n$/);
  });
});
