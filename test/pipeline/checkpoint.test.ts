import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, ShapeError } from '../../src/errors.js';
import { readSafetensors, writeSafetensors, writeSafetensorsFile } from '../../src/io/index.js';
import { generateData, loadCheckpoint, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from './helpers.js';

const dir = tempDir();
let model = '';

beforeAll(() => {
  generateData({ rows: 600, out: join(dir, 'd.npy'), seed: 2 });
  model = train({ data: join(dir, 'd.npy'), outDir: join(dir, 'out'), config: smallConfig({ training: { epochs: 1 } }) }).files.model;
});

describe('loadCheckpoint', () => {
  it('refuses a safetensors file that is not a dadm checkpoint', () => {
    const p = join(dir, 'foreign.safetensors');
    writeSafetensorsFile(p, { w: { data: new Float32Array(4), shape: [4] } }, { format: 'pt' });
    expect(() => loadCheckpoint(p)).toThrow(FormatError);
    expect(() => loadCheckpoint(p)).toThrow(/foreign\.safetensors: metadata format must be 'dadm-checkpoint', got 'pt'/);
  });

  it('refuses a truncated checkpoint, naming the file', () => {
    const bytes = readFileSync(model);
    const p = join(dir, 'cut.safetensors');
    writeFileSync(p, bytes.subarray(0, bytes.length - 8));
    expect(() => loadCheckpoint(p)).toThrow(FormatError);
    expect(() => loadCheckpoint(p)).toThrow(/cut\.safetensors/);
  });

  it('refuses a checkpoint whose weights do not match its architecture', () => {
    const { tensors, metadata } = readSafetensors(readFileSync(model));
    tensors.delete('decoder.2.bias');
    const p = join(dir, 'missing.safetensors');
    writeFileSync(p, writeSafetensors(tensors, metadata));
    expect(() => loadCheckpoint(p)).toThrow(FormatError);
    expect(() => loadCheckpoint(p)).toThrow(/missing\.safetensors: autoencoder weights must match the recorded architecture, got: .*decoder\.2\.bias/);
  });

  it('refuses a checkpoint whose schema hash was altered', () => {
    const { tensors, metadata } = readSafetensors(readFileSync(model));
    const p = join(dir, 'hash.safetensors');
    writeFileSync(p, writeSafetensors(tensors, { ...metadata, schema_hash: '00' }));
    expect(() => loadCheckpoint(p)).toThrow(/hash\.safetensors: metadata schema_hash must be [0-9a-f]{64} .*got 00/);
  });

  it('refuses a file that is not safetensors at all', () => {
    const p = join(dir, 'junk.safetensors');
    writeFileSync(p, 'hello world, definitely not a checkpoint');
    expect(() => loadCheckpoint(p)).toThrow(FormatError);
    expect(() => loadCheckpoint(join(dir, 'absent.safetensors'))).toThrow(/absent\.safetensors: checkpoint must be a readable file, got ENOENT/);
  });

  it('checks the row count given to score', () => {
    const m = loadCheckpoint(model);
    expect(() => m.score(new Float32Array(64), 2)).toThrow(ShapeError);
    expect(m.score(new Float32Array(128), 2)).toHaveLength(2);
  });
});
