import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputPathError, readNpyFile, readNpzFile, readSafetensorsFile, writeFileAtomic, writeNpyFile, writeNpzFile, writeSafetensorsFile } from '../../src/io/index.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';
import { FormatError, InvalidOptionError } from '../../src/errors.js';

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

  it('keeps the old file and removes the temp file when writing fails (a programming error stays a TypeError)', () => {
    const path = join(dir, 'b.bin');
    writeFileSync(path, 'old');
    const notBytes = { length: 5 } as unknown as Uint8Array;
    expectError(() => writeFileAtomic(path, notBytes), TypeError, /^The "buffer" argument must be/);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('removes the temp file when the rename fails (target is a non-empty directory), naming the target', () => {
    const target = join(dir, 'sub');
    mkdirSync(target);
    writeFileSync(join(target, 'x'), 'x');
    expectError(() => writeFileAtomic(target, Uint8Array.of(1)), InvalidOptionError, new RegExp(`^${escapeRegExp(target)}: output path must not be a directory, got (EISDIR|ENOTEMPTY) \\(a directory has that name\\)$`));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names the requested path and says the folder does not exist, never the temp file', () => {
    const path = join(dir, 'missing', 'c.bin');
    expectError(() => writeFileAtomic(path, Uint8Array.of(1)), InvalidOptionError, new RegExp(`^${escapeRegExp(path)}: output folder ${escapeRegExp(join(dir, 'missing'))} must exist, got ENOENT \\(the folder does not exist\\)$`));
    expect(() => writeFileAtomic(path, Uint8Array.of(1))).not.toThrow(/\.tmp/);
  });

  it('says when a part of the folder path is a file', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    const path = join(dir, 'plain', 'c.bin');
    expectError(() => writeFileAtomic(path, Uint8Array.of(1)), InvalidOptionError, new RegExp(`^${escapeRegExp(path)}: output folder ${escapeRegExp(join(dir, 'plain'))} must be a directory, got ENOTDIR`));
  });
});

describe('outputPathError', () => {
  it('maps system errors to InvalidOptionError naming the path and passes other errors through', () => {
    const sys = Object.assign(new Error("EACCES: permission denied, open '/x/.a.bin.1.1.tmp'"), { code: 'EACCES', errno: -13, syscall: 'open' });
    const mapped = outputPathError('/x/a.bin', sys);
    expect(mapped).toBeInstanceOf(InvalidOptionError);
    expect((mapped as Error).message).toBe('/x/a.bin: output folder /x must be writable, got EACCES (permission denied)');
    const odd = Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', errno: -5, syscall: 'write' });
    expect((outputPathError('/x/a.bin', odd) as Error).message).toBe('/x/a.bin: output file must be writable, got EIO (write)');
    const plain = new TypeError('bug');
    expect(outputPathError('/x/a.bin', plain)).toBe(plain);
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
    expectError(() => readSafetensorsFile(join(dir, 'x.npy')), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'x.npy'))}: header length must be`));
    expectError(() => readNpyFile(join(dir, 'x.npz')), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'x.npz'))}: an \\.npy file must start with the magic string \\\\x93NUMPY, got "PK\\\\x03\\\\x04\\\\x14\\\\x00"$`));
  });
});
