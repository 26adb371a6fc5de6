/** The CLI never silently overwrites or misreads the user's own files (review findings). */
import { copyFileSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateData, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { escapeRegExp } from '../tensor/expect-error.js';
import { run, expectOneLineError } from './helpers.js';

const dir = tempDir('dadm-cli-own-');
const data = join(dir, 'data.npy');
const labels = join(dir, 'labels.npy');
const ckpt = join(dir, 'out', 'model.safetensors');
const onnxModel = join(dir, 'model.onnx');

beforeAll(async () => {
  generateData({ rows: 400, out: data, seed: 3, anomalyRate: 0.05, labelsOut: labels });
  train({ data, outDir: join(dir, 'out'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 5 } }) });
  const r = await run('export-onnx', '--checkpoint', ckpt, '--output', onnxModel, '--quiet');
  if (r.code !== 0) throw new Error(r.err);
});

describe('an output that is one of the inputs (or another output) is refused, exit 2', () => {
  it('gen-data --out x --labels x', async () => {
    const x = join(dir, 'x.npy');
    const r = await run('gen-data', '--rows', '10', '--out', x, '--labels', join(dir, 'sub', '..', 'x.npy'));
    expect(r.code).toBe(2);
    expectOneLineError(r, /^dadm gen-data: generateData: labelsOut \(--labels\) must not be the same file as out \(--out\) \(it would be overwritten\), got .*x\.npy and .*x\.npy \(both .*x\.npy\)\n$/);
    expect(existsSync(x)).toBe(false);
  });

  it('gen-data --attack-types equal to --out or --labels, also through a hard link or a symlink', async () => {
    const before = readFileSync(data);
    linkSync(data, join(dir, 'data-hard.npy'));
    const r1 = await run('gen-data', '--rows', '10', '--out', data, '--attack-types', join(dir, 'data-hard.npy'));
    expect(r1.code).toBe(2);
    expectOneLineError(r1, /^dadm gen-data: generateData: attackTypesOut \(--attack-types\) must not be the same file as out \(--out\)/);
    symlinkSync(labels, join(dir, 'labels-link.npy'));
    const r2 = await run('gen-data', '--rows', '10', '--out', join(dir, 'y.npy'), '--labels', labels, '--attack-types', join(dir, 'labels-link.npy'));
    expect(r2.code).toBe(2);
    expectOneLineError(r2, /^dadm gen-data: generateData: attackTypesOut \(--attack-types\) must not be the same file as labelsOut \(--labels\)/);
    expect(readFileSync(data).equals(before)).toBe(true);
  });

  it('export-onnx --output equal to --checkpoint', async () => {
    const before = readFileSync(ckpt);
    const r = await run('export-onnx', '--checkpoint', ckpt, '--output', join(dir, 'out', '.', 'model.safetensors'));
    expect(r.code).toBe(2);
    expectOneLineError(r, new RegExp(`^dadm export-onnx: output must not be the same file as checkpoint \\(it would be overwritten\\), got .* and ${escapeRegExp(ckpt)}`));
    expect(readFileSync(ckpt).equals(before)).toBe(true);
  });

  it('score --output equal to --data or --model', async () => {
    const before = readFileSync(data);
    const r1 = await run('score', '--model', ckpt, '--data', data, '--output', data);
    expect(r1.code).toBe(2);
    expectOneLineError(r1, /^dadm score: output must not be the same file as data \(it would be overwritten\)/);
    expect(readFileSync(data).equals(before)).toBe(true);
    const r2 = await run('score', '--model', onnxModel, '--data', data, '--output', onnxModel);
    expect(r2.code).toBe(2);
    expectOneLineError(r2, /^dadm score: output must not be the same file as model \(it would be overwritten\)/);
    const r3 = await run('score', '--model', ckpt, '--data', data, '--labels', labels, '--output', labels);
    expect(r3.code).toBe(2);
    expectOneLineError(r3, /^dadm score: output must not be the same file as labels /);
  });

  it('still writes to a different file', async () => {
    const r = await run('score', '--model', ckpt, '--data', data, '--output', join(dir, 'scores.npy'), '--quiet');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'scores.npy'))).toBe(true);
  });
});

describe('dadm demo --out-dir naming a file', () => {
  it('gives the typed one-line error instead of EEXIST', async () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'keep me');
    const r = await run('demo', '--out-dir', bad, '--rows', '100');
    expect(r.code).toBe(1);
    expectOneLineError(r, new RegExp(`^dadm demo: output directory ${escapeRegExp(bad)} must be a writable directory, got a regular file\n$`));
    expect(readFileSync(bad, 'utf8')).toBe('keep me');
  });
});

describe('dadm init-config --out naming a directory', () => {
  it('says it is a directory, also with --force', async () => {
    const d = join(dir, 'cfgdir');
    mkdirSync(d);
    for (const extra of [[], ['--force']]) {
      const r = await run('init-config', '--out', d, ...extra);
      expect(r.code).toBe(1);
      expectOneLineError(r, /^dadm init-config: .*cfgdir: --out must name a file \(e\.g\. .*config\.yaml\), got a directory\n$/);
    }
  });
});

describe('an ONNX model where a safetensors checkpoint is expected', () => {
  const message = /checkpoint must be a safetensors file \(the model\.safetensors written by dadm train\), got an ONNX model \(use it with score, explain, quantize or inspect --model\)\n$/;

  it('is named as such for a .onnx path (export-onnx --checkpoint, train --init-checkpoint)', async () => {
    const r1 = await run('export-onnx', '--checkpoint', onnxModel, '--output', join(dir, 'again.onnx'));
    expect(r1.code).toBe(1);
    expectOneLineError(r1, new RegExp(`^dadm export-onnx: ${escapeRegExp(onnxModel)}: ${message.source}`));
    const r2 = await run('train', '--data', data, '--out-dir', join(dir, 'init'), '--init-checkpoint', onnxModel, '--quiet');
    expect(r2.code).toBe(1);
    expectOneLineError(r2, message);
    expect(r2.err).not.toMatch(/header length/);
  });

  it('is recognized by its bytes when the name says .safetensors (score --model)', async () => {
    const disguised = join(dir, 'disguised.safetensors');
    copyFileSync(onnxModel, disguised);
    const r = await run('score', '--model', disguised, '--data', data);
    expect(r.code).toBe(1);
    expectOneLineError(r, new RegExp(`^dadm score: ${escapeRegExp(disguised)}: ${message.source}`));
  });

  it('other non-safetensors bytes keep the header-length message', async () => {
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'definitely not a model at all');
    const r = await run('score', '--model', junk, '--data', data);
    expect(r.code).toBe(1);
    expectOneLineError(r, /junk\.safetensors: header length must be in/);
  });
});
