import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '../../src/errors.js';
import { ensureOutputDir, removeCreatedDirs } from '../../src/io/index.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dadm-out-dir-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ensureOutputDir', () => {
  it('creates missing parents and reports the topmost created directory; undo removes exactly those', () => {
    const path = join(root, 'a', 'b', 'c');
    expect(ensureOutputDir(path, 'test')).toBe(join(root, 'a'));
    expect(statSync(path).isDirectory()).toBe(true);
    removeCreatedDirs(path, join(root, 'a'));
    expect(existsSync(join(root, 'a'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it('returns undefined for an existing directory, and undo then does nothing', () => {
    mkdirSync(join(root, 'there'));
    expect(ensureOutputDir(join(root, 'there'), 'test')).toBeUndefined();
    removeCreatedDirs(join(root, 'there'), undefined);
    expect(existsSync(join(root, 'there'))).toBe(true);
  });

  it('keeps a created directory that is no longer empty', () => {
    const path = join(root, 'kept', 'inner');
    const created = ensureOutputDir(path, 'test');
    writeFileSync(join(path, 'file'), 'x');
    removeCreatedDirs(path, created);
    expect(existsSync(join(path, 'file'))).toBe(true);
  });

  it('throws InvalidOptionError naming the path when it is a regular file', () => {
    const file = join(root, 'plain');
    writeFileSync(file, 'x');
    expectError(() => ensureOutputDir(file, 'train'), InvalidOptionError, new RegExp(`^train: output directory ${escapeRegExp(file)} must be a writable directory, got a regular file$`));
  });

  it('says when a part of the path is a file, and leaves nothing behind', () => {
    writeFileSync(join(root, 'f'), 'x');
    const path = join(root, 'f', 'sub');
    expectError(() => ensureOutputDir(path, 'train'), InvalidOptionError, new RegExp(`^train: output directory ${escapeRegExp(path)} must be a writable directory, got ENOTDIR \\(a part of the path is a file\\)$`));
  });
});
