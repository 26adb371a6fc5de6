/**
 * The transformer through the commands: train (rows + hosts and 3-D windows), score (per row with the
 * padded first steps flagged, per window), export-onnx, quantize's accuracy check, inspect, and every
 * "Bad input" case of issue 12 as a typed one-line error with nothing written.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, FormatError, InvalidOptionError, ShapeError, UsageError } from '../../src/errors.js';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { defaultConfigYaml, evaluate, explain, exportOnnx, inspectModel, mergeConfig, quantizeModel, score, train, writeSequenceFiles, drift, type DadmConfig } from '../../src/pipeline/index.js';
import { loadCheckpoint, loadTransformer, storedFromState } from '../../src/models/index.js';
import { expectError } from '../tensor/expect-error.js';
import { smallConfig, tempDir } from './helpers.js';

const HOSTS = 12;
const STEPS = 40;
const T = 6;

function seqConfig(): DadmConfig {
  return mergeConfig(
    { model: 'transformer', transformer: { dModel: 8, heads: 2, feedForward: 16, batchSize: 32 }, sequence: { window: T }, training: { epochs: 1, validationFraction: 0.25 } },
    smallConfig(),
  );
}

describe('transformer through the pipeline', () => {
  const dir = tempDir('dadm-transformer-');
  const f = (name: string): string => join(dir, name);
  let windows3d: Float32Array;

  beforeAll(() => {
    writeSequenceFiles({ hosts: HOSTS, steps: STEPS, seed: 3, anomalyRate: 0.05, out: f('seq.npy'), hostsOut: f('hosts.npy'), labelsOut: f('labels.npy') });
    train({ data: f('seq.npy'), hosts: f('hosts.npy'), outDir: f('rows'), config: seqConfig() });
    // The 3-D form: each host's first two full windows.
    const rows = readNpyFile(f('seq.npy')).data as Float32Array;
    windows3d = new Float32Array(HOSTS * 2 * T * 64);
    for (let h = 0; h < HOSTS; h++) {
      for (let k = 0; k < 2; k++) windows3d.set(rows.subarray((h * STEPS + k * T) * 64, (h * STEPS + k * T + T) * 64), (h * 2 + k) * T * 64);
    }
    writeNpyFile(f('windows.npy'), { data: windows3d, shape: [HOSTS * 2, T, 64] });
  }, 120_000);

  it('trains from rows + hosts and scores every row by its host window, flagging the first T-1 rows of each host', () => {
    const r = score({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy'), labels: f('labels.npy'), paddedOutput: f('padded.npy') });
    expect(r.modelType).toBe('transformer');
    expect(r.items).toBe('rows');
    expect(r.rows).toBe(HOSTS * STEPS);
    expect(r.paddedRows).toBe(HOSTS * (T - 1));
    const padded = readNpyFile(f('padded.npy')).data;
    for (let i = 0; i < HOSTS * STEPS; i++) expect(padded[i]).toBe(i % STEPS < T - 1 ? 1 : 0);
    expect(r.scores.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
  });

  it('scores a 3-D window file per window, with the scores of the same windows cut from the rows', () => {
    const byRow = score({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy') }).scores;
    const r = score({ model: f('rows/model.safetensors'), data: f('windows.npy') });
    expect(r.items).toBe('windows');
    expect(r.rows).toBe(HOSTS * 2);
    for (let h = 0; h < HOSTS; h++) {
      for (let k = 0; k < 2; k++) expect(r.scores[h * 2 + k]).toBeCloseTo(byRow[h * STEPS + k * T + T - 1]!, 5);
    }
  });

  it('trains from a 3-D window file', () => {
    const out = train({ data: f('windows.npy'), outDir: f('win'), config: seqConfig() });
    expect(out.metrics.modelType).toBe('transformer');
    expect(existsSync(out.files.model)).toBe(true);
  }, 60_000);

  it('exports [1, T, 64] -> [1] (and a dynamic batch) that dadm runtime scores like the checkpoint; quantize checks accuracy on rows + hosts', () => {
    const one = exportOnnx({ checkpoint: f('rows/model.safetensors'), output: f('m.onnx') });
    expect(one.modelType).toBe('transformer');
    const dyn = exportOnnx({ checkpoint: f('rows/model.safetensors'), output: f('md.onnx'), dynamicBatch: true });
    expect(dyn.dynamicBatch).toBe(true);
    const byCkpt = score({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy') }).scores;
    const byOnnx = score({ model: f('m.onnx'), data: f('seq.npy'), hosts: f('hosts.npy') }).scores;
    for (let i = 0; i < byCkpt.length; i++) expect(Math.abs(byOnnx[i]! - byCkpt[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, byCkpt[i]!));
    const q = quantizeModel({ model: f('m.onnx'), output: f('q.onnx'), minWeights: 0, checkData: f('seq.npy'), checkHosts: f('hosts.npy'), labels: f('labels.npy') });
    expect(q.check!.rows).toBe(HOSTS * STEPS);
    expect(q.check!.spearman).toBeGreaterThan(0.99);
    const info = inspectModel(f('rows/model.safetensors'));
    expect(JSON.stringify(info)).toContain('TransformerEncoderLayer');
  }, 60_000);

  it('init-config documents the transformer and sequence sections', () => {
    const yaml = defaultConfigYaml();
    for (const key of ['transformer:', 'd_model:', 'heads:', 'norm_first:', 'objective:', 'sequence:', 'window:', 'stride:']) expect(yaml).toContain(key);
  });

  it('drift --model scores each row by its host window: a shifted batch moves the score distribution, the same rows do not', () => {
    const same = drift({ reference: f('rows/drift_reference.npz'), current: f('seq.npy'), hosts: f('hosts.npy'), model: f('rows/model.safetensors') });
    expect(same.score).not.toBeNull();
    const rows = readNpyFile(f('seq.npy')).data as Float32Array;
    const shifted = Float32Array.from(rows);
    for (let i = 0; i < shifted.length; i++) if (i % 64 < 12) shifted[i] = shifted[i]! * 3 + 2;
    writeNpyFile(f('shifted.npy'), { data: shifted, shape: [HOSTS * STEPS, 64] });
    const moved = drift({ reference: f('rows/drift_reference.npz'), current: f('shifted.npy'), hosts: f('hosts.npy'), model: f('rows/model.safetensors') });
    expect(moved.score!.psi).toBeGreaterThan(same.score!.psi);
    expect(moved.score!.ks.statistic).toBeGreaterThan(same.score!.ks.statistic);
  });

  it('explain gives the scored step\'s features and per-step attributions of a row\'s window; Shapley values add up to score - base', () => {
    const byRow = score({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy') }).scores;
    const row = 2 * STEPS + 20;
    const shap = explain({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy'), method: 'shap', rows: [row], topK: 12, backgroundRows: 4 });
    expect(shap.items).toBe('rows');
    expect(shap.rows).toBe(HOSTS * STEPS);
    expect(shap.background!.rows).toBe(4);
    const e = shap.explained[0]!;
    expect(e.row).toBe(row);
    expect(e.score).toBeCloseTo(byRow[row]!, 5);
    expect(e.exact).toBe(true);
    const sum = e.top.reduce((a, t) => a + t.contribution, 0);
    expect(sum).toBeCloseTo(e.score - e.baseValue!, 3);
    expect(e.steps!.map((st) => st.step)).toEqual([-5, -4, -3, -2, -1, 0]);
    const rec = explain({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy'), method: 'reconstruction', rows: [row], topK: 12, backgroundRows: 4 });
    const shares = rec.explained[0]!.top;
    expect(shares.reduce((a, t) => a + t.contribution, 0)).toBeCloseTo(1, 4);
    expect(shares.every((t) => t.reconstructed !== undefined && Number.isFinite(t.reconstructed))).toBe(true);
    const windows = explain({ model: f('rows/model.safetensors'), data: f('windows.npy'), method: 'reconstruction', rows: [3], topK: 2, backgroundRows: 2 });
    expect(windows.items).toBe('windows');
    expect(windows.explained[0]!.score).toBeCloseTo(byRow[1 * STEPS + T + T - 1]!, 5);
  });

  describe('bad input: one typed error, nothing written', () => {
    it('a 3-D file whose T differs from the checkpoint window', () => {
      writeNpyFile(f('t4.npy'), { data: windows3d.subarray(0, 3 * 4 * 64), shape: [3, 4, 64] });
      expectError(() => score({ model: f('rows/model.safetensors'), data: f('t4.npy'), output: f('never.npy') }), ShapeError, /t4\.npy: steps per window T must equal the model's window 6, got 4/);
      expect(existsSync(f('never.npy'))).toBe(false);
    });

    it('hosts.npy with another row count', () => {
      writeNpyFile(f('short-hosts.npy'), { data: new Int32Array(10), shape: [10] });
      expectError(() => score({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('short-hosts.npy') }), ShapeError, /short-hosts\.npy: .*480.*got 10/);
      expectError(() => train({ data: f('seq.npy'), hosts: f('short-hosts.npy'), outDir: f('bad1'), config: seqConfig() }), ShapeError, /short-hosts\.npy/);
      expect(existsSync(f('bad1'))).toBe(false);
    });

    it('hosts.npy of a non-integer dtype', () => {
      writeNpyFile(f('float-hosts.npy'), { data: new Float32Array(HOSTS * STEPS), shape: [HOSTS * STEPS] });
      expectError(() => score({ model: f('rows/model.safetensors'), data: f('seq.npy'), hosts: f('float-hosts.npy') }), FormatError, /float-hosts\.npy: dtype must be an integer type .*got '<f4'/);
    });

    it('a NaN in a window names host and step', () => {
      const rows = readNpyFile(f('seq.npy')).data as Float32Array;
      const bad = Float32Array.from(rows);
      bad[(2 * STEPS + 7) * 64 + 3] = NaN;
      writeNpyFile(f('nan.npy'), { data: bad, shape: [HOSTS * STEPS, 64] });
      expectError(() => score({ model: f('rows/model.safetensors'), data: f('nan.npy'), hosts: f('hosts.npy') }), DataError, /nan\.npy: host 2, step 7 \(row 87\), column 3 must be finite, got NaN/);
      const w = Float32Array.from(windows3d);
      w[(5 * T + 2) * 64 + 1] = Infinity;
      writeNpyFile(f('inf3d.npy'), { data: w, shape: [HOSTS * 2, T, 64] });
      expectError(() => score({ model: f('rows/model.safetensors'), data: f('inf3d.npy') }), DataError, /inf3d\.npy: window 5, step 2, column 1 must be finite, got Infinity/);
    });

    it('a window longer than the data of every host', () => {
      const config = mergeConfig({ sequence: { window: STEPS + 1 } }, seqConfig());
      expectError(() => train({ data: f('seq.npy'), hosts: f('hosts.npy'), outDir: f('bad2'), config }), DataError, /seq\.npy: at least one host must have 41 rows \(the window\), got at most 40/);
      expect(existsSync(f('bad2'))).toBe(false);
    });

    it('--hosts given to a per-row model; a sequence model without hosts', () => {
      expectError(() => train({ data: f('seq.npy'), hosts: f('hosts.npy'), outDir: f('bad3'), config: smallConfig() }), UsageError, /train: --hosts must be given only to a sequence model \(transformer\), got model autoencoder/);
      expectError(() => train({ data: f('seq.npy'), outDir: f('bad4'), config: seqConfig() }), UsageError, /train: model transformer must be given --hosts hosts\.npy/);
      expectError(() => score({ model: f('rows/model.safetensors'), data: f('seq.npy') }), UsageError, /score: a transformer model must be given --hosts/);
      expect(readdirSync(dir).filter((n) => n.startsWith('bad'))).toEqual([]);
    });

    it('a transformer checkpoint handed to a command that cannot use it (or without the host ids it needs)', () => {
      expectError(() => explain({ model: f('rows/model.safetensors'), data: f('seq.npy') }), UsageError, /explain: a transformer model must be given --hosts hosts\.npy/);
      expectError(() => drift({ reference: f('rows/drift_reference.npz'), current: f('seq.npy'), model: f('rows/model.safetensors') }), UsageError, /drift: a transformer model must be given --hosts hosts\.npy/);
      expectError(() => drift({ reference: f('rows/drift_reference.npz'), current: f('seq.npy'), hosts: f('hosts.npy') }), UsageError, /drift: --hosts must be given only with --model of a sequence model/);
      // The transformer starts from weights (federated clients, --init-checkpoint) of its own architecture only.
      const wider = mergeConfig({ transformer: { dModel: 16 } }, seqConfig());
      expectError(() => train({ data: f('seq.npy'), hosts: f('hosts.npy'), outDir: f('bad5'), config: wider, initCheckpoint: f('rows/model.safetensors') }), InvalidOptionError, /^TransformerDetector\.fit: init must have this model's architecture and 64 features, got window 6, dModel 8, layers 1, 64 features$/);
      expectError(() => evaluate({ data: f('seq.npy'), labels: f('labels.npy'), models: ['transformer'], seeds: [0] }), InvalidOptionError, /^evaluate: models must be kinds among autoencoder, iforest, ecod, ensemble, got 'transformer'$/);
      exportOnnx({ checkpoint: f('rows/model.safetensors'), output: f('explain-me.onnx') });
      expectError(() => explain({ model: f('explain-me.onnx'), data: f('seq.npy'), hosts: f('hosts.npy') }), UsageError, /explain: --model must be the checkpoint \(model\.safetensors\) of a transformer model to explain its windows, got an ONNX file/);
    });

    it('checkpoint metadata that does not fit the stored weights or the schema, before any network is built', () => {
      const d = loadCheckpoint(f('rows/model.safetensors'));
      const state = d.model.state();
      const meta = JSON.parse(state.metadata.transformer!) as { options: { dModel: number }; features: number };
      const forged = (change: (m: typeof meta) => void): ReturnType<typeof loadTransformer> => {
        const m = structuredClone(meta);
        change(m);
        return loadTransformer(storedFromState({ tensors: state.tensors, metadata: { ...state.metadata, transformer: JSON.stringify(m) } }, { path: 'forged.safetensors', config: d.config, schema: d.schema }));
      };
      expectError(() => forged((m) => { m.options.dModel = 4096; }), FormatError, /^forged\.safetensors: transformer metadata options must describe the \d+ stored weight values, got options implying \d+/);
      expectError(() => forged((m) => { m.features = 63; }), FormatError, /^forged\.safetensors: transformer metadata features must be the schema width 64, got 63$/);
      expectError(() => forged((m) => { m.options.dModel = -1; }), FormatError, /^forged\.safetensors: transformer weights must match the recorded options, got: .*dModel/);
      expect(forged(() => {}).detector.threshold).toBe(d.threshold);
      // A checkpoint written before transformer.centering existed loads as 'none'; a bad value is refused.
      expect(forged((m) => { delete (m.options as { centering?: string }).centering; }).detector.options.centering).toBe('none');
      expect(forged((m) => { (m.options as { centering?: string }).centering = 'context-mean'; }).detector.options.centering).toBe('context-mean');
      expectError(() => forged((m) => { (m.options as { centering?: string }).centering = 'median'; }), FormatError, /^forged\.safetensors: transformer weights must match the recorded options, got: .*'centering'/);
    });

    it('heads that do not divide d_model', () => {
      expectError(() => mergeConfig({ transformer: { dModel: 10, heads: 3 } }), InvalidOptionError, /transformer\.heads must divide transformer\.dModel \(10\), got 3/);
    });
  });
});
