/**
 * config.yaml's `limits:` section (docs/limits.md): validated like every other section, written by
 * init-config, and handed to the readers of every command: a file just over a lowered limit is
 * refused with one line naming the config key, and raising the key accepts the same file.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigYaml, parseConfig } from '../../src/config/index.js';
import { InvalidOptionError } from '../../src/errors.js';
import { readNpyFile, readSafetensors, writeNpyFile } from '../../src/io/index.js';
import { CONFIG_LIMIT_NAMES, DEFAULT_LIMITS } from '../../src/limits.js';
import { exportOnnx, generateData, train } from '../../src/pipeline/index.js';
import { expectError } from '../tensor/expect-error.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { expectOneLineError, run } from './helpers.js';

const dir = tempDir('dadm-limits-config-');
const data = join(dir, 'data.npy');
/** Ten rows: their batch buffers stay under the model's largest tensor. */
const few = join(dir, 'few.npy');
const model = join(dir, 'out', 'model.safetensors');
const reference = join(dir, 'out', 'drift_reference.npz');
const onnx = join(dir, 'model.onnx');
const background = join(dir, 'background.npy');
const BACKGROUND_ROWS = 200;

beforeAll(() => {
  generateData({ rows: 600, out: data, seed: 5 });
  train({ data, outDir: join(dir, 'out'), config: smallConfig({ training: { epochs: 1 } }) });
  exportOnnx({ checkpoint: model, output: onnx });
  const rows = readNpyFile(data).data;
  writeNpyFile(background, { data: rows.slice(0, BACKGROUND_ROWS * 64), shape: [BACKGROUND_ROWS, 64] });
  writeNpyFile(few, { data: rows.slice(0, 10 * 64), shape: [10, 64] });
}, 60_000);

/** A config file whose limits section sets `key` (snake_case) to `value` (and the model's shape, for train). */
function limitsConfig(key: string, value: number): string {
  const path = join(dir, `limits-${key}-${value}.yaml`);
  writeFileSync(path, `autoencoder:\n  hidden_dims: [16, 4]\ntraining:\n  epochs: 1\nlimits:\n  ${key}: ${value}\n`);
  return path;
}

/** The largest float32 tensor of the checkpoint, in bytes. */
function largestCheckpointTensor(): number {
  const { tensors } = readSafetensors(readFileSync(model), model);
  return Math.max(...[...tensors.values()].map((t) => t.data.length * 4));
}

describe('config.yaml limits section', () => {
  it('has every raisable limit with its default, and init-config writes them', () => {
    const config = parseConfig('');
    for (const k of CONFIG_LIMIT_NAMES) expect(config.limits[k]).toBe(DEFAULT_LIMITS[k]);
    const template = defaultConfigYaml();
    expect(template).toContain('\nlimits:\n');
    for (const key of ['max_tensor_bytes', 'max_total_bytes', 'max_file_bytes', 'max_onnx_file_bytes']) expect(template).toMatch(new RegExp(`\\n  ${key}: \\d+\\n`));
    expect(parseConfig(template)).toEqual(parseConfig(''));
  });

  it('reads sizes in bytes and refuses anything but a positive integer, naming the key', () => {
    expect(parseConfig('limits:\n  max_tensor_bytes: 4294967296\n').limits.maxTensorBytes).toBe(4 * 1024 ** 3);
    for (const bad of ['0', '-1', '1.5', "'1GiB'", '9007199254740992']) {
      expectError(() => parseConfig(`limits:\n  max_total_bytes: ${bad}\n`, 'c.yaml'), InvalidOptionError, /^c\.yaml: limits\.max_total_bytes must be a positive integer number of bytes \(e\.g\. 4294967296 for 4 GiB\), got /);
    }
  });

  it('keeps the YAML limits out of config.yaml (they bound the file itself)', () => {
    expectError(() => parseConfig('limits:\n  max_yaml_nodes: 100000\n', 'c.yaml'), InvalidOptionError, /^c\.yaml: unknown key limits\.max_yaml_nodes; allowed: max_tensor_bytes, max_total_bytes, max_file_bytes, max_onnx_file_bytes$/);
  });
});

describe('commands hand the limits to their readers', () => {
  // Each case: the command line (with --config appended), the key, the size the file needs.
  const cases: [string, () => string[], string, () => number][] = [
    ['inspect: checkpoint file', () => ['inspect', '--model', model], 'max_file_bytes', () => statSync(model).size],
    ['score: checkpoint tensors', () => ['score', '--model', model, '--data', data], 'max_tensor_bytes', largestCheckpointTensor],
    ['score: ONNX file', () => ['score', '--model', onnx, '--data', data], 'max_onnx_file_bytes', () => statSync(onnx).size],
    ['score: ONNX initializers', () => ['score', '--model', onnx, '--data', few], 'max_tensor_bytes', largestCheckpointTensor],
    ['explain: --background array', () => ['explain', '--model', model, '--data', few, '--method', 'shap', '--background', background], 'max_tensor_bytes', () => BACKGROUND_ROWS * 64 * 4],
    ['export-onnx: checkpoint file', () => ['export-onnx', '--checkpoint', model, '--output', join(dir, 'again.onnx')], 'max_file_bytes', () => statSync(model).size],
    ['quantize: ONNX file', () => ['quantize', '--model', onnx, '--output', join(dir, 'q.onnx')], 'max_onnx_file_bytes', () => statSync(onnx).size],
    ['drift: reference file', () => ['drift', '--reference', reference, '--current', data], 'max_file_bytes', () => statSync(reference).size],
    ['report: reference file', () => ['report', '--model', model, '--data', data, '--reference', reference, '--current', data, '--explain-rows', '0', '--output', join(dir, 'r.html')], 'max_file_bytes', () => statSync(reference).size],
    ['train: --init-checkpoint', () => ['train', '--data', data, '--out-dir', join(dir, 'again'), '--init-checkpoint', model], 'max_file_bytes', () => statSync(model).size],
  ];

  it.each(cases)('%s: one byte under the need is refused naming limits.%s; the need itself is accepted', async (_what, argv, key, need) => {
    const n = need();
    const refused = await run(...argv(), '--config', limitsConfig(key, n - 1));
    expect(refused.code).toBe(1);
    expectOneLineError(refused, new RegExp(`must be at most ${n - 1} bytes \\(raise limits\\.${key}\\), got ${n} bytes\\n$`));
    const accepted = await run(...argv(), '--config', limitsConfig(key, n));
    expect(accepted.err).not.toMatch(/limits\./);
    expect(accepted.code).toBe(0);
  }, 60_000);
});
