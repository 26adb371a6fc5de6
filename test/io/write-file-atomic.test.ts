import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpyFile, readNpzFile, readSafetensorsFile, writeFileAtomic, writeNpyFile, writeNpzFile, writeSafetensorsFile } from '../../src/io/index.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-atomic-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('creates and then replaces a file, leaving no temp files', () => {
    const path = join(dir, 'a.bin');
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    writeFileAtomic(path, Uint8Array.of(4, 5));
    expect(Array.from(readFileSync(path))).toEqual([4, 5]);
    expect(readdirSync(dir)).toEqual(['a.bin']);
  });

  it('keeps the old file and removes the temp file when writing fails', () => {
    const path = join(dir, 'b.bin');
    writeFileSync(path, 'old');
    const notBytes = { length: 5 } as unknown as Uint8Array;
    expect(() => writeFileAtomic(path, notBytes)).toThrow(TypeError);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('removes the temp file when the rename fails (target is a non-empty directory)', () => {
    const target = join(dir, 'sub');
    mkdirSync(target);
    writeFileSync(join(target, 'x'), 'x');
    expect(() => writeFileAtomic(target, Uint8Array.of(1))).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('throws the file-system error for a missing directory', () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'c.bin'), Uint8Array.of(1))).toThrow(/ENOENT/);
  });
});

describe('file variants of the readers and writers', () => {
  it('round-trip .npy, .npz and .safetensors through disk and name the path in errors', () => {
    const data = Float32Array.of(1, -2, 3.5, 0);
    writeNpyFile(join(dir, 'x.npy'), { data, shape: [2, 2] });
    expect(readNpyFile(join(dir, 'x.npy')).data).toEqual(data);
    writeNpzFile(join(dir, 'x.npz'), { a: { data, shape: [4] } }, { compress: true });
    expect(readNpzFile(join(dir, 'x.npz')).get('a')!.data).toEqual(data);
    writeSafetensorsFile(join(dir, 'x.safetensors'), { w: { data, shape: [4] } }, { epoch: '3' });
    expect(readSafetensorsFile(join(dir, 'x.safetensors')).metadata).toEqual({ epoch: '3' });
    expect(() => readSafetensorsFile(join(dir, 'x.npy'))).toThrow(new RegExp(`^${join(dir, 'x.npy').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: header length must be`));
    expect(() => readNpyFile(join(dir, 'x.npz'))).toThrow(/x\.npz: an \.npy file must start with the magic string/);
  });
});
