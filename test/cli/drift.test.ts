import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NpyRowReader, writeNpyFile, writeNpzFile } from '../../src/io/index.js';
import { generateData, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { run, expectOneLineError } from './helpers.js';

const dir = tempDir('dadm-cli-drift-');
const out = join(dir, 'out');
const reference = join(out, 'drift_reference.npz');
const model = join(out, 'model.safetensors');
const same = join(dir, 'same.npy');
const shifted = join(dir, 'shifted.npy');

beforeAll(() => {
  generateData({ rows: 4000, out: join(dir, 'train.npy'), seed: 1, anomalyRate: 0.02 });
  train({ data: join(dir, 'train.npy'), outDir: out, config: smallConfig() });
  generateData({ rows: 3000, out: same, seed: 2, anomalyRate: 0.02 });
  generateData({ rows: 3000, out: shifted, seed: 3, anomalyRate: 0.02 });
  const reader = new NpyRowReader(shifted);
  const x = reader.readRows(0, reader.rows);
  reader.close();
  for (let i = 0; i < 3000; i++) x[i * 64 + 3]! += 0.6;
  writeNpyFile(shifted, { data: x, shape: [3000, 64] });
});

describe('dadm drift', () => {
  it('prints a table of the 12 features and an ok verdict for an unshifted batch, exit 0 even with --fail-on-drift', async () => {
    const r = await run('drift', '--reference', reference, '--current', same, '--fail-on-drift');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^drift of .*same\.npy \(3000 rows\) against .*drift_reference\.npz \(built from the 4000-row training file\)$/);
    expect(lines[1]).toMatch(/^feature\s+PSI\s+W1\s+KS D\s+KS p\s+status$/);
    expect(lines.slice(2, 14)).toHaveLength(12);
    for (const l of lines.slice(2, 14)) expect(l).toMatch(/^\w+\s+\S+\s+\S+\s+\S+\s+\S+\s+ok$/);
    expect(lines[14]).toBe('verdict: ok');
  });

  it('recommends retraining for a shifted batch: exit 0, or 3 with --fail-on-drift; --json is the whole result', async () => {
    const plain = await run('drift', '--reference', reference, '--current', shifted, '--model', model);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/\nanomaly score\s+\S+\s+\S+\s+\S+\s+\S+\s+(ok|warn|retrain)\n/);
    expect(plain.out).toMatch(/\nverdict: retrain \(retraining recommended\)\n {2}net_bytes_out retrain: /);
    const failing = await run('drift', '--reference', reference, '--current', shifted, '--model', model, '--fail-on-drift', '--json');
    expect(failing.code).toBe(3);
    const doc = JSON.parse(failing.out) as { verdict: string; features: { name: string; status: string }[]; score: { modelType: string } | null };
    expect(doc.verdict).toBe('retrain');
    expect(doc.features).toHaveLength(12);
    expect(doc.features.filter((f) => f.status === 'retrain').map((f) => f.name)).toEqual(['net_bytes_out']);
    expect(doc.score?.modelType).toBe('autoencoder');
  });

  it('takes the thresholds from --config', async () => {
    const cfg = join(dir, 'lenient.yaml');
    writeFileSync(cfg, 'drift:\n  psi_warn: 5\n  psi_retrain: 9\n  wasserstein_warn: 5\n  wasserstein_retrain: 9\n  ks_warn: 0.9\n  ks_retrain: 1\n');
    const r = await run('drift', '--reference', reference, '--current', shifted, '--config', cfg, '--fail-on-drift');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\nverdict: ok\n$/);
  });

  it('reports excluded NaN rows on stderr and refuses more than 1% with exit 1', async () => {
    const reader = new NpyRowReader(same);
    const x = reader.readRows(0, reader.rows);
    reader.close();
    x[17 * 64 + 3] = Number.NaN;
    const few = join(dir, 'few-nan.npy');
    writeNpyFile(few, { data: x, shape: [3000, 64] });
    const ok = await run('drift', '--reference', reference, '--current', few);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/^warning: 1 of 3000 rows excluded for NaN\/Inf or non-zero padding \(first: row 17, column 3\)\n/);
    expect(ok.out).toMatch(/\(2999 rows, 1 excluded\)/);
    for (let i = 100; i < 200; i++) x[i * 64] = Number.POSITIVE_INFINITY;
    const many = join(dir, 'many-nan.npy');
    writeNpyFile(many, { data: x, shape: [3000, 64] });
    const bad = await run('drift', '--reference', reference, '--current', many);
    expect(bad.code).toBe(1);
    expectOneLineError(bad, /^dadm drift: .*many-nan\.npy: rows with NaN\/Inf or non-zero padding must be at most 1% of the batch, got 101 of 3000 \(3\.37%\); first: row 17, column 3 = NaN \(non-finite\)\n$/);
  });

  it('exits 1 with one line for a wrong width, an empty batch and a reference that is not ours', async () => {
    const narrow = join(dir, 'narrow.npy');
    writeNpyFile(narrow, { data: new Float32Array(20 * 12), shape: [20, 12] });
    const w = await run('drift', '--reference', reference, '--current', narrow);
    expect(w.code).toBe(1);
    expectOneLineError(w, /^dadm drift: .*narrow\.npy: width must be 64 like the reference .*drift_reference\.npz \(12 features \+ 52 zero padding\), got 12\n$/);
    const empty = join(dir, 'empty.npy');
    writeNpyFile(empty, { data: new Float32Array(0), shape: [0, 64] });
    const e = await run('drift', '--reference', reference, '--current', empty);
    expect(e.code).toBe(1);
    expectOneLineError(e, /^dadm drift: .*empty\.npy: rows must be at least 1, got 0\n$/);
    const foreign = join(dir, 'foreign.npz');
    writeNpzFile(foreign, { edges: { data: new Float64Array(9), shape: [9] } });
    const f = await run('drift', '--reference', foreign, '--current', same);
    expect(f.code).toBe(1);
    expectOneLineError(f, /^dadm drift: .*foreign\.npz: drift reference must carry meta_json with format 'dadm-drift-reference' \(written by dadm train\), got members edges\n$/);
    const m = await run('drift', '--reference', model, '--current', same);
    expect(m.code).toBe(1);
    expectOneLineError(m, /^dadm drift: .*model\.safetensors: drift reference must be an \.npz written by dadm train, got a file that is not one/);
  });

  it('refuses a model from another training run with exit 1', async () => {
    const other = join(dir, 'other');
    train({ data: join(dir, 'train.npy'), outDir: other, config: smallConfig(), seed: 5 });
    const r = await run('drift', '--reference', reference, '--current', same, '--model', join(other, 'model.safetensors'));
    expect(r.code).toBe(1);
    expectOneLineError(r, /^dadm drift: --model .*other\/model\.safetensors must be the model trained with .*drift_reference\.npz \(training id [0-9a-f]{12}\), got training id [0-9a-f]{12} \(files of two train runs\)\n$/);
  });

  it("says insufficient-data, not retrain, for a 1-row batch: exit 0 even with --fail-on-drift", async () => {
    const reader = new NpyRowReader(shifted);
    const row = reader.readRows(0, 1);
    reader.close();
    const one = join(dir, 'one-row.npy');
    writeNpyFile(one, { data: row, shape: [1, 64] });
    const r = await run('drift', '--reference', reference, '--current', one, '--model', model, '--fail-on-drift');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\nverdict: insufficient-data \(too few rows to judge drift; statistics shown for information\)\n {2}features insufficient-data: 1 row against 4000 reference rows are too few/);
    expect(r.out).toMatch(/\n {2}anomaly score insufficient-data: 1 row against \d+ reference scores are too few/);
    const j = JSON.parse((await run('drift', '--reference', reference, '--current', one, '--json')).out) as { verdict: string; features: { psi: number; status: string }[] };
    expect(j.verdict).toBe('insufficient-data');
    expect(j.features.every((f) => f.status === 'insufficient-data' && Number.isFinite(f.psi))).toBe(true);
  });

  it('does not warn on unshifted batches when the validation set is small (150 reference scores), where fixed levels would', async () => {
    const smallOut = join(dir, 'small-val');
    generateData({ rows: 1500, out: join(dir, 'train-1500.npy'), seed: 1, anomalyRate: 0.02 });
    train({ data: join(dir, 'train-1500.npy'), outDir: smallOut, config: smallConfig() });
    let fixedLevelsWarn = 0;
    for (let seed = 20; seed < 26; seed++) {
      const batch = join(dir, `unshifted-${seed}.npy`);
      generateData({ rows: 3000, out: batch, seed, anomalyRate: 0.02 });
      const r = await run('drift', '--reference', join(smallOut, 'drift_reference.npz'), '--current', batch, '--model', join(smallOut, 'model.safetensors'), '--json');
      const j = JSON.parse(r.out) as { verdict: string; score: { psi: number; ks: { statistic: number }; noise: { psi: number; ks: number }; status: string } };
      expect(j.verdict).toBe('ok');
      expect(j.score.status).toBe('ok');
      expect(j.score.noise.psi).toBeGreaterThan(0.1);
      if (j.score.psi >= 0.1 || j.score.ks.statistic >= 0.1) fixedLevelsWarn++;
    }
    expect(fixedLevelsWarn).toBeGreaterThan(0);
  });

  it('exits 2 without --current', async () => {
    const r = await run('drift', '--reference', reference);
    expect(r.code).toBe(2);
    expectOneLineError(r, /^dadm drift: --current must be given, got nothing; run dadm drift --help\n$/);
  });
});
