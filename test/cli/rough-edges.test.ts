/**
 * The rough edges of issue 14 part 4, each as a new user meets it on the command line: the implicit
 * ./config.yaml (announced, read the same way by train, drift and quantize), drift on a .onnx, explain
 * --rows, inspect's trees, quantize's ROC-AUC difference, init-config's result on stdout, the width error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeNpyFile } from '../../src/io/index.js';
import { exportOnnx, generateData, score, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { expectOneLineError, run } from './helpers.js';

const dir = tempDir('dadm-cli-edges-');
const ae = join(dir, 'ae', 'model.safetensors');
const aeOnnx = join(dir, 'ae', 'model.onnx');
const forestOnnx = join(dir, 'if', 'model.onnx');
const data = join(dir, 'data.npy');
const labels = join(dir, 'labels.npy');
const current = join(dir, 'current.npy');
const home = process.cwd();

beforeAll(() => {
  generateData({ rows: 1500, out: data, seed: 1, anomalyRate: 0.05, labelsOut: labels });
  generateData({ rows: 400, out: current, seed: 2, anomalyRate: 0.05 });
  train({ data, outDir: join(dir, 'ae'), config: smallConfig({ autoencoder: { hiddenDims: [32, 8] } }) });
  train({ data, outDir: join(dir, 'if'), config: smallConfig({ iforest: { nEstimators: 7 } }), model: 'iforest' });
  exportOnnx({ checkpoint: ae, output: aeOnnx, dynamicBatch: true });
  exportOnnx({ checkpoint: join(dir, 'if', 'model.safetensors'), output: forestOnnx, dynamicBatch: true });
}, 120_000);

afterEach(() => process.chdir(home));

describe('the implicit ./config.yaml', () => {
  it('is announced on stderr and read the same way by train, drift and quantize; not with --config or --quiet', async () => {
    const work = join(dir, 'cwd');
    mkdirSync(work, { recursive: true });
    // Drift thresholds of this file's own: the thresholds drift reports show that it read them.
    writeFileSync(join(work, 'config.yaml'), 'autoencoder:\n  hidden_dims: [8, 2]\ntraining:\n  epochs: 1\ndrift:\n  psi_warn: 0.123\n  psi_retrain: 0.456\n');
    process.chdir(work);
    const t = await run('train', '--data', data, '--out-dir', 'out', '--json');
    expect(t.code).toBe(0);
    expect(t.err.startsWith('using ./config.yaml\n')).toBe(true);
    expect(JSON.parse(t.out).metrics.epochs).toHaveLength(1);
    const d = await run('drift', '--reference', join(dir, 'ae', 'drift_reference.npz'), '--current', current, '--json');
    expect(d.err).toBe('using ./config.yaml\n');
    expect(JSON.parse(d.out).thresholds.psi).toEqual({ warn: 0.123, retrain: 0.456 });
    const q = await run('quantize', '--model', aeOnnx, '--output', 'q.onnx', '--json');
    expect(q.err).toBe('using ./config.yaml\n');
    const explicit = await run('drift', '--reference', join(dir, 'ae', 'drift_reference.npz'), '--current', current, '--config', 'config.yaml', '--json');
    expect(explicit.err).toBe('');
    expect(JSON.parse(explicit.out).thresholds.psi).toEqual({ warn: 0.123, retrain: 0.456 });
    const quiet = await run('drift', '--reference', join(dir, 'ae', 'drift_reference.npz'), '--current', current, '--quiet');
    expect(quiet.err).toBe('');
  }, 60_000);
});

describe('drift --model', () => {
  it('accepts the exported .onnx and gives the checkpoint\'s score drift', async () => {
    const args = ['drift', '--reference', join(dir, 'ae', 'drift_reference.npz'), '--current', current, '--json'];
    const a = await run(...args, '--model', ae);
    const b = await run(...args, '--model', aeOnnx);
    expect(b.code).toBe(0);
    const [sa, sb] = [JSON.parse(a.out).score, JSON.parse(b.out).score];
    expect(sb.modelType).toBe('autoencoder');
    expect(sb.flaggedFraction).toBe(sa.flaggedFraction);
    expect(sb.psi).toBeCloseTo(sa.psi, 6);
  });
});

describe('explain --rows', () => {
  it('explains the N most anomalous rows, highest score first; --top-k stays the features per row', async () => {
    const scores = score({ model: ae, data: current }).scores;
    const order = Array.from(scores.keys()).sort((i, j) => scores[j]! - scores[i]!);
    const r = await run('explain', '--model', aeOnnx, '--data', current, '--rows', '3', '--top-k', '2', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { explained: { row: number; score: number; top: unknown[] }[] };
    expect(out.explained.map((e) => e.row)).toEqual(order.slice(0, 3));
    expect(out.explained.every((e) => e.top.length === 2)).toBe(true);
    const text = await run('explain', '--model', ae, '--data', current, '--rows', '2');
    expect(text.out.match(/^row (\d+) /gm)).toEqual(order.slice(0, 2).map((i) => `row ${i} `));
  });
});

describe('wording', () => {
  it('inspect counts a forest in trees and nodes, and names its kind as the other commands do', async () => {
    const r = await run('inspect', forestOnnx);
    expect(r.out).toMatch(/^ {2}trees +7 trees, \d+ nodes$/m);
    expect(r.out).not.toMatch(/parameters/);
    expect(r.out).toMatch(/iforest/);
  });

  it('counts one epoch as "1 epoch", more as "N epochs"', async () => {
    train({ data, outDir: join(dir, 'one'), config: smallConfig({ training: { epochs: 1 } }) });
    const one = await run('inspect', join(dir, 'one', 'model.safetensors'));
    expect(one.out).toMatch(/^ {2}training +\d+ rows \(\d+ validation\), 1 epoch, validation loss/m);
    const three = await run('inspect', ae);
    expect(three.out).toMatch(/, (?!1 )\d+ epochs, validation loss/);
  });

  it('quantize prints a real ROC-AUC difference with its digits, and init-config writes its result on stdout', async () => {
    const q = await run('quantize', '--model', aeOnnx, '--output', join(dir, 'q2.onnx'), '--all-nodes', '--check-data', data, '--labels', labels);
    expect(q.code).toBe(0);
    expect(q.out).toMatch(/\(diff (0|[+-]\d[.\de+-]*)\)$/m);
    expect(q.out).not.toMatch(/diff 0\.0000\)/);
    const ic = await run('init-config', '--out', join(dir, 'c.yaml'));
    expect(ic).toEqual({ code: 0, out: `wrote ${join(dir, 'c.yaml')}\n`, err: '' });
  });

  it('the width error names the way out for data that is not the endpoint schema', async () => {
    const narrow = join(dir, 'narrow.npy');
    writeNpyFile(narrow, { data: new Float32Array(21), shape: [3, 7] });
    const r = await run('score', '--model', ae, '--data', narrow);
    expect(r.code).toBe(1);
    expectOneLineError(r, /width must be 64 \(schema endpoint-v1: 12 features \+ 52 zero padding\), got 7; .*`schema: none` in config\.yaml/);
  });
});
