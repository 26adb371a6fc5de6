import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { readSafetensors, writeSafetensors, writeSafetensorsFile, type SafetensorsTensor } from '../../src/io/index.js';
import { checkpointBytes } from '../../src/models/index.js';
import { exportOnnx, generateData, loadCheckpoint, readCheckpoint, score, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

const dir = tempDir();
let model = '';
let forest = '';

beforeAll(() => {
  generateData({ rows: 600, out: join(dir, 'd.npy'), seed: 2 });
  model = train({ data: join(dir, 'd.npy'), outDir: join(dir, 'out'), config: smallConfig({ training: { epochs: 1 } }) }).files.model;
  forest = train({ data: join(dir, 'd.npy'), outDir: join(dir, 'forest'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 5 } }) }).files.model;
});

/** SHA-256 (hex) of everything after the 8-byte length and the JSON header, computed here from the spec. */
function dataSha256(bytes: Uint8Array): string {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return createHash('sha256').update(bytes.subarray(8 + headerLength)).digest('hex');
}

/**
 * Rewrites a checkpoint after `edit` as a checkpoint written before checksums existed: the
 * `data_sha256` and `checkpoint_sha256` keys are dropped, everything else kept.
 */
function rewriteWithoutChecksum(from: string, name: string, edit: (tensors: Map<string, SafetensorsTensor>, metadata: Record<string, string>) => void): string {
  const { tensors, metadata } = readSafetensors(readFileSync(from));
  delete metadata.data_sha256;
  delete metadata.checkpoint_sha256;
  edit(tensors, metadata);
  const p = join(dir, name);
  writeFileSync(p, writeSafetensors(tensors, metadata));
  return p;
}


describe('checkpoint integrity', () => {
  it('stores the SHA-256 of the data buffer under data_sha256', () => {
    for (const path of [model, forest]) {
      const bytes = readFileSync(path);
      const { metadata } = readSafetensors(bytes);
      expect(metadata.data_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(metadata.data_sha256).toBe(dataSha256(bytes));
    }
  });

  it('refuses a checkpoint whose weight bytes were edited, saying it was modified or corrupted', () => {
    const bytes = new Uint8Array(readFileSync(model));
    bytes[bytes.length - 3]! ^= 0x01; // a low bit in the last tensor: still a finite float
    const p = join(dir, 'edited.safetensors');
    writeFileSync(p, bytes);
    expectError(() => loadCheckpoint(p), FormatError, /^.*edited\.safetensors: tensor data must match the data_sha256 checksum [0-9a-f]{16}…, got [0-9a-f]{16}… \(the file was modified or corrupted after it was written\)$/);
    expectError(() => score({ model: p, data: join(dir, 'd.npy') }), FormatError, /edited\.safetensors: tensor data must match the data_sha256 checksum/);
  });

  it('refuses NaN weights even when the checksum was recomputed for them', () => {
    const { tensors, metadata } = readSafetensors(readFileSync(model));
    (tensors.get('encoder.0.weight')!.data as Float32Array)[17] = Number.NaN;
    const p = join(dir, 'nan.safetensors');
    writeFileSync(p, checkpointBytes(tensors, metadata));
    expect(readSafetensors(readFileSync(p)).metadata.data_sha256).toBe(dataSha256(readFileSync(p)));
    expectError(() => loadCheckpoint(p), FormatError, /nan\.safetensors: tensor "encoder\.0\.weight" must hold finite values, got NaN at index 17$/);
  });

  it('refuses infinite values in checkpoints without a checksum (written before it existed)', () => {
    const p = rewriteWithoutChecksum(model, 'inf.safetensors', (t) => {
      (t.get('decoder.2.bias')!.data as Float32Array)[3] = -Infinity;
    });
    expectError(() => readCheckpoint(p), FormatError, /inf\.safetensors: tensor "decoder\.2\.bias" must hold finite values, got -Infinity at index 3$/);
    const f = rewriteWithoutChecksum(forest, 'forest-inf.safetensors', (t) => {
      (t.get('trees.threshold')!.data as Float64Array)[0] = Infinity;
    });
    expectError(() => loadCheckpoint(f), FormatError, /forest-inf\.safetensors: tensor "trees\.threshold" must hold finite values, got Infinity at index 0$/);
  });

  it('loads a checkpoint without data_sha256 and scores exactly like the original', () => {
    const p = rewriteWithoutChecksum(model, 'old.safetensors', () => {});
    expect(readSafetensors(readFileSync(p)).metadata.data_sha256).toBeUndefined();
    const rows = new Float32Array(3 * 64).map((_, i) => (i % 64 < 12 ? Math.sin(i) : 0));
    expect(Array.from(loadCheckpoint(p).score(rows, 3))).toEqual(Array.from(loadCheckpoint(model).score(rows, 3)));
  });
});

describe('loadCheckpoint', () => {
  it('refuses a safetensors file that is not a dadm checkpoint', () => {
    const p = join(dir, 'foreign.safetensors');
    writeSafetensorsFile(p, { w: { data: new Float32Array(4), shape: [4] } }, { format: 'pt' });
    expectError(() => loadCheckpoint(p), FormatError, /foreign\.safetensors: metadata format must be 'dadm-checkpoint', got 'pt'$/);
  });

  it('refuses a truncated checkpoint, naming the file', () => {
    const bytes = readFileSync(model);
    const p = join(dir, 'cut.safetensors');
    writeFileSync(p, bytes.subarray(0, bytes.length - 8));
    expectError(() => loadCheckpoint(p), FormatError, /cut\.safetensors: tensor '[^']+' data_offsets must lie within the \d+-byte data buffer/);
  });

  it('refuses a checkpoint whose weights do not match its architecture', () => {
    const p = rewriteWithoutChecksum(model, 'missing.safetensors', (t) => t.delete('decoder.2.bias'));
    expectError(() => loadCheckpoint(p), FormatError, /missing\.safetensors: metadata architecture\.hidden_dims must describe the \d+ weights the file holds, got "\[16,4\] \(\d+ weights\)"$/);
    const q = rewriteWithoutChecksum(model, 'transposed.safetensors', (t) => {
      const w = t.get('encoder.0.weight')!;
      t.set('encoder.0.weight', { ...w, shape: [...w.shape].reverse() });
    });
    expectError(() => loadCheckpoint(q), FormatError, /transposed\.safetensors: autoencoder weights must match the recorded architecture, got: .*encoder\.0\.weight/);
  });

  it('refuses a checkpoint whose schema hash was altered', () => {
    const p = rewriteWithoutChecksum(model, 'hash.safetensors', (_t, metadata) => {
      metadata.schema_hash = '00';
    });
    expectError(() => loadCheckpoint(p), FormatError, /hash\.safetensors: metadata schema_hash must be [0-9a-f]{64} .*got 00$/);
  });

  it('refuses metadata edited after writing: checkpoint_sha256 covers the metadata as well as the data', () => {
    const { tensors, metadata } = readSafetensors(readFileSync(model));
    expect(metadata.checkpoint_sha256).toMatch(/^[0-9a-f]{64}$/);
    const p = join(dir, 'meta-edit.safetensors');
    writeFileSync(p, writeSafetensors(tensors, { ...metadata, threshold: '0.5' }));
    expectError(() => loadCheckpoint(p), FormatError, /meta-edit\.safetensors: metadata and tensor data must match the checkpoint_sha256 checksum [0-9a-f]{16}…, got [0-9a-f]{16}… \(the file was modified or corrupted after it was written\)$/);
  });

  it('loads a checkpoint of the older rule (data_sha256 only) and still checks its data', () => {
    const { tensors, metadata } = readSafetensors(readFileSync(model));
    delete metadata.checkpoint_sha256;
    const p = join(dir, 'older.safetensors');
    writeFileSync(p, writeSafetensors(tensors, metadata));
    expect(Array.from(loadCheckpoint(p).score(new Float32Array(64), 1))).toEqual(Array.from(loadCheckpoint(model).score(new Float32Array(64), 1)));
  });

  // Issue 17: `architecture` was used before it was validated, and data_sha256 did not cover it, so a
  // re-signed file with hidden_dims [20000000, 8] took 94 s and 11.2 GB. Each case is refused before
  // the network is built, in milliseconds.
  it.each([
    ['[20000000, 8]', /architecture\.hidden_dims must describe the \d+ weights the file holds, got "\[20000000,8\] \(\d+ weights\)"$/],
    ['[100000000, 8]', /architecture\.hidden_dims must describe the \d+ weights the file holds/],
    ['null', /architecture\.hidden_dims must be a non-empty list of positive integers, got null$/],
    ['[0, 8]', /architecture\.hidden_dims must be a non-empty list of positive integers, got \[0,8\]$/],
    ['[1e400]', /architecture\.hidden_dims must be a non-empty list of positive integers, got \[null\]$/],
  ])('refuses a re-signed checkpoint with hidden_dims %s before building anything', (dims, pattern) => {
    const { tensors, metadata } = readSafetensors(readFileSync(model));
    const arch = JSON.parse(metadata.architecture!) as Record<string, unknown>;
    const p = join(dir, 'arch.safetensors');
    writeFileSync(p, checkpointBytes(tensors, { ...metadata, architecture: JSON.stringify(arch).replace(/"hidden_dims":\[[^\]]*\]/, `"hidden_dims":${dims}`) }));
    const t0 = performance.now();
    expectError(() => loadCheckpoint(p), FormatError, pattern);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it.each([
    ['null', /metadata architecture must be an object, got null$/],
    ['{"input_dim":64,"hidden_dims":[32,8],"activation":"relu","active_features":12,"loss_features":"active","x":1}'.replace('"input_dim":64', '"input_dim":65'), /architecture\.input_dim must be 64 \(schema endpoint-v1\), got 65$/],
    ['{"input_dim":64,"hidden_dims":[32,8],"activation":"swish","active_features":12,"loss_features":"active"}', /architecture\.activation must be one of relu, gelu, tanh, got "swish"$/],
    ['{"input_dim":64,"hidden_dims":[32,8],"activation":"relu","active_features":64,"loss_features":"active"}', /architecture\.active_features must be 12 \(schema endpoint-v1\), got 64$/],
  ])('refuses a re-signed checkpoint whose architecture is %s', (text, pattern) => {
    const { tensors, metadata } = readSafetensors(readFileSync(model));
    const p = join(dir, 'arch2.safetensors');
    writeFileSync(p, checkpointBytes(tensors, { ...metadata, architecture: text }));
    expectError(() => loadCheckpoint(p), FormatError, pattern);
  });

  it('refuses a file that is not safetensors at all', () => {
    const p = join(dir, 'junk.safetensors');
    writeFileSync(p, 'hello world, definitely not a checkpoint');
    expectError(() => loadCheckpoint(p), FormatError, /junk\.safetensors: header length must be in \[2, \d+\] .*got \d+ \(not a safetensors file\?\)$/);
    expectError(() => loadCheckpoint(join(dir, 'absent.safetensors')), InvalidOptionError, /absent\.safetensors: checkpoint must exist, got ENOENT \(no such file or directory\)$/);
  });

  it('checks the row count given to score', () => {
    const m = loadCheckpoint(model);
    expectError(() => m.score(new Float32Array(64), 2), ShapeError, /^DetectorModel\.score: rows must hold n x 64 = 128 values, got 64 for n 2$/);
    expect(m.score(new Float32Array(128), 2)).toHaveLength(2);
  });
});

describe('readCheckpoint on an ONNX model', () => {
  it('says the file is an ONNX model, by extension or by its bytes', () => {
    const onnxPath = join(dir, 'forest.onnx');
    exportOnnx({ checkpoint: forest, output: onnxPath });
    const said = /: checkpoint must be a safetensors file \(the model\.safetensors written by dadm train\), got an ONNX model \(use it with score, explain, quantize or inspect --model\)$/;
    expectError(() => readCheckpoint(onnxPath), FormatError, new RegExp(`^${escapeRegExp(onnxPath)}${said.source}`));
    const disguised = join(dir, 'onnx-bytes.safetensors');
    writeFileSync(disguised, readFileSync(onnxPath));
    expectError(() => loadCheckpoint(disguised), FormatError, new RegExp(`^${escapeRegExp(disguised)}${said.source}`));
  });

  it('keeps the safetensors message for other bytes', () => {
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, new Uint8Array([8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
    expectError(() => readCheckpoint(junk), FormatError, /junk\.safetensors: header length must be in \[2, 4\]/);
  });
});
