import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DadmError, InvalidOptionError } from '../../src/errors.js';
import { AtomicFileSet } from '../../src/io/index.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

let root = '';
let n = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dadm-file-set-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh empty directory per test. */
function freshDir(): string {
  const d = join(root, `t${n++}`);
  mkdirSync(d);
  return d;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('AtomicFileSet', () => {
  it('shows nothing at the targets until commit, then all files at once', () => {
    const d = freshDir();
    const set = new AtomicFileSet();
    set.add(join(d, 'a.bin'), bytes('A'));
    set.add(join(d, 'b.bin'), bytes('BB'));
    expect(existsSync(join(d, 'a.bin'))).toBe(false);
    expect(readdirSync(d).every((f) => f.endsWith('.tmp'))).toBe(true);
    expect(set.paths).toEqual([join(d, 'a.bin'), join(d, 'b.bin')]);
    set.commit();
    expect(readdirSync(d).sort()).toEqual(['a.bin', 'b.bin']);
    expect(readFileSync(join(d, 'b.bin'), 'utf8')).toBe('BB');
    set.abort(); // harmless after commit
    expect(readdirSync(d).sort()).toEqual(['a.bin', 'b.bin']);
  });

  it('leaves every target as it was when a later add fails (a directory has the name)', () => {
    const d = freshDir();
    writeFileSync(join(d, 'a.bin'), 'old');
    mkdirSync(join(d, 'c.bin'));
    const set = new AtomicFileSet();
    set.add(join(d, 'a.bin'), bytes('new'));
    set.add(join(d, 'b.bin'), bytes('B'));
    expectError(() => set.add(join(d, 'c.bin'), bytes('C')), InvalidOptionError, new RegExp(`^${escapeRegExp(join(d, 'c.bin'))}: output path must not be a directory, got a directory$`));
    expect(readFileSync(join(d, 'a.bin'), 'utf8')).toBe('old');
    expect(readdirSync(d).sort()).toEqual(['a.bin', 'c.bin']);
    expectError(() => set.commit(), DadmError, /^AtomicFileSet\.commit: file set must be open, got aborted$/);
  });

  it('names the target in the error, never a temporary file', () => {
    const d = freshDir();
    mkdirSync(join(d, 'dir.bin'));
    const set = new AtomicFileSet();
    expectError(() => set.add(join(d, 'dir.bin'), bytes('x')), InvalidOptionError, /dir\.bin: output path must not be a directory, got a directory$/);
    const other = new AtomicFileSet();
    const missing = join(d, 'nope', 'x.bin');
    expectError(() => other.add(missing, bytes('x')), InvalidOptionError, new RegExp(`^${escapeRegExp(missing)}: output folder ${escapeRegExp(join(d, 'nope'))} must exist, got ENOENT \\(the folder does not exist\\)$`));
    const fresh = new AtomicFileSet();
    expectError(() => fresh.add(missing, bytes('x')), InvalidOptionError, new RegExp(`^${escapeRegExp(missing)}: output folder ${escapeRegExp(join(d, 'nope'))} must exist, got ENOENT \\(the folder does not exist\\)$`));
  });

  it('refuses the same path twice', () => {
    const d = freshDir();
    const set = new AtomicFileSet();
    set.add(join(d, 'a.bin'), bytes('1'));
    expectError(() => set.add(join(d, 'a.bin'), bytes('2')), InvalidOptionError, new RegExp(`^AtomicFileSet\\.add: paths must be unique, got ${escapeRegExp(join(d, 'a.bin'))} twice$`));
    const again = new AtomicFileSet();
    again.add(join(d, 'a.bin'), bytes('1'));
    expectError(() => again.add(join(d, 'a.bin'), bytes('2')), InvalidOptionError, /^AtomicFileSet\.add: paths must be unique, got .*a\.bin twice$/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('abort removes the temporary files and keeps existing targets', () => {
    const d = freshDir();
    writeFileSync(join(d, 'keep.bin'), 'old');
    const set = new AtomicFileSet();
    set.add(join(d, 'keep.bin'), bytes('new'));
    set.abort();
    expect(readdirSync(d)).toEqual(['keep.bin']);
    expect(readFileSync(join(d, 'keep.bin'), 'utf8')).toBe('old');
    expectError(() => set.add(join(d, 'x.bin'), bytes('x')), DadmError, /^AtomicFileSet\.add: file set must be open, got aborted$/);
  });
});
