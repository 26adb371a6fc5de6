import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { isSameFile, refuseSameFile } from '../../src/pipeline/same-file.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';
import { tempDir } from './helpers.js';

const dir = tempDir('dadm-same-file-');
const a = join(dir, 'a.npy');
const b = join(dir, 'b.npy');
writeFileSync(a, 'a');
writeFileSync(b, 'b');
mkdirSync(join(dir, 'sub'));
symlinkSync(a, join(dir, 'sym.npy'));
linkSync(a, join(dir, 'hard.npy'));
symlinkSync(dir, join(dir, 'dirlink'));

describe('isSameFile', () => {
  it('is true for the same file through another spelling, a symlink, a linked directory or a hard link', () => {
    expect(isSameFile(a, join(dir, 'sub', '..', 'a.npy'))).toBe(true);
    expect(isSameFile(a, relative(process.cwd(), a))).toBe(true);
    expect(isSameFile(join(dir, 'sym.npy'), a)).toBe(true);
    expect(isSameFile(a, join(dir, 'hard.npy'))).toBe(true);
    expect(isSameFile(join(dir, 'dirlink', 'new.npy'), join(dir, 'new.npy'))).toBe(true); // neither exists yet
  });

  it('is false for different files, existing or not', () => {
    expect(isSameFile(a, b)).toBe(false);
    expect(isSameFile(a, join(dir, 'missing.npy'))).toBe(false);
    expect(isSameFile(join(dir, 'x.npy'), join(dir, 'y.npy'))).toBe(false);
  });
});

describe('refuseSameFile', () => {
  it('throws UsageError naming both options when an output is an input', () => {
    expectError(
      () => refuseSameFile('score', [{ option: 'output', path: join(dir, 'hard.npy') }], [{ option: 'model', path: b }, { option: 'data', path: a }]),
      UsageError,
      new RegExp(`^score: output must not be the same file as data \\(it would be overwritten\\), got ${escapeRegExp(join(dir, 'hard.npy'))} and ${escapeRegExp(a)} \\(both .*a\\.npy\\)$`),
    );
  });

  it('throws when two outputs are the same file, naming the later one first', () => {
    expectError(
      () => refuseSameFile('generateData', [{ option: 'out', path: join(dir, 'o.npy') }, undefined, { option: 'labels', path: join(dir, 'sub', '..', 'o.npy') }]),
      UsageError,
      /^generateData: labels must not be the same file as out \(it would be overwritten\)/,
    );
  });

  it('accepts distinct files and skips undefined entries', () => {
    expect(() => refuseSameFile('score', [{ option: 'output', path: join(dir, 's.npy') }, undefined], [{ option: 'data', path: a }, undefined])).not.toThrow();
  });
});
