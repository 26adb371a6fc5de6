import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, FormatError, InvalidOptionError } from '../../../src/errors.js';
import { npyStrings, writeNpyFile, writeNpzFile, type NpyArrayLike } from '../../../src/io/index.js';
import { drift } from '../../../src/pipeline/drift/drift.js';
import { COLS, batch, driftFiles, expectNaiveDrift, referenceParts } from './drift-fixtures.js';
import { expectError } from '../../tensor/expect-error.js';
import { tempDir } from '../helpers.js';

const dir = tempDir('dadm-drift-bad-');
const { writeReference, writeBatch } = driftFiles(dir);
const train = batch(1500, 1);
const reference = writeReference('ref.npz', referenceParts(train));

describe('drift bad input', () => {
  it('excludes and counts rows with NaN/Inf or non-zero padding, and measures the rest', () => {
    const current = batch(1000, 9, [0.1, 0, 0]);
    current[4 * COLS + 2] = Number.NaN;
    current[10 * COLS + 0] = Number.POSITIVE_INFINITY;
    current[20 * COLS + 4] = 1; // padding
    const r = drift({ reference, current: writeBatch('nan.npy', current) });
    expect(r.invalidRows).toBe(3);
    expect(r.validRows).toBe(997);
    expect(r.firstInvalid).toEqual({ row: 4, column: 2, value: Number.NaN, reason: 'non-finite' });
    expect(r.warnings[0]).toMatch(/^3 of 1000 rows excluded for NaN\/Inf or non-zero padding \(first: row 4, column 2\)$/);
    const kept = Float32Array.from(Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 4 && i !== 10 && i !== 20).flatMap((i) => Array.from(current.subarray(i * COLS, (i + 1) * COLS))));
    expectNaiveDrift(r, train, kept);
  });

  it('refuses a batch with more than 1% excluded rows with DataError naming the first row and column', () => {
    const current = batch(200, 9);
    for (const i of [7, 50, 51]) current[i * COLS + 1] = Number.NaN;
    expectError(
      () => drift({ reference, current: writeBatch('nans.npy', current) }),
      DataError,
      /nans\.npy: rows with NaN\/Inf or non-zero padding must be at most 1% of the batch, got 3 of 200 \(1\.50%\); first: row 7, column 1 = NaN \(non-finite\)$/,
    );
    expect(drift({ reference, current: join(dir, 'nans.npy'), maxInvalidFraction: 0.05 }).invalidRows).toBe(3);
  });

  it('refuses a batch of only bad rows even when every row may be excluded', () => {
    const current = new Float32Array(3 * COLS).fill(Number.NaN);
    expectError(() => drift({ reference, current: writeBatch('all-nan.npy', current), maxInvalidFraction: 0.99 }), DataError, /got 3 of 3 \(100%\); first: row 0, column 0 = NaN/);
  });

  it('refuses a batch of another width with DataError naming both files', () => {
    const path = writeBatch('wide.npy', new Float32Array(10 * 4), 4);
    expectError(() => drift({ reference, current: path }), DataError, /wide\.npy: width must be 5 like the reference .*ref\.npz \(3 features \+ 2 zero padding\), got 4$/);
  });

  it('refuses an empty batch and a 1-D batch', () => {
    const empty = join(dir, 'empty.npy');
    writeNpyFile(empty, { data: new Float32Array(0), shape: [0, COLS] });
    expectError(() => drift({ reference, current: empty }), DataError, /empty\.npy: rows must be at least 1, got 0$/);
    const flat = join(dir, 'flat.npy');
    writeNpyFile(flat, { data: new Float32Array(5), shape: [5] });
    expectError(() => drift({ reference, current: flat }), FormatError, /flat\.npy: data must be a 2-D array/);
  });

  it('refuses a reference that is not a dadm drift reference with FormatError naming the file', () => {
    const current = writeBatch('ok.npy', batch(100, 1));
    const npy = writeBatch('not-npz.npy', batch(10, 1));
    expectError(() => drift({ reference: npy, current }), FormatError, /not-npz\.npy: drift reference must be an \.npz written by dadm train, got a file that is not one/);
    const foreign = join(dir, 'foreign.npz');
    writeNpzFile(foreign, { x: { data: new Float32Array(3), shape: [3] } });
    expectError(() => drift({ reference: foreign, current }), FormatError, /foreign\.npz: drift reference must carry meta_json with format 'dadm-drift-reference' \(written by dadm train\), got members x$/);
    const garbage = join(dir, 'garbage.npz');
    writeFileSync(garbage, 'hello');
    expectError(() => drift({ reference: garbage, current }), FormatError, /garbage\.npz: drift reference must be an \.npz written by dadm train, got a file that is not one/);
    const other = writeReference('other.npz', referenceParts(train), (m) => {
      const bytes = new TextEncoder().encode(JSON.stringify({ format: 'something-else', version: 1 }));
      m.set('meta_json', { data: bytes, shape: [bytes.length] });
    });
    expectError(() => drift({ reference: other, current }), FormatError, /other\.npz: drift reference must carry meta_json with format 'dadm-drift-reference'/);
    expectError(() => drift({ reference: join(dir, 'missing.npz'), current }), InvalidOptionError, /missing\.npz: drift reference \(--reference\) must exist, got ENOENT \(no such file or directory\)$/);
  });

  it('refuses a damaged reference member with FormatError naming file and member', () => {
    const current = writeBatch('ok2.npy', batch(100, 1));
    const cases: [string, (m: Map<string, NpyArrayLike>) => void, RegExp][] = [
      ['no-edges.npz', (m) => m.delete('edges'), /no-edges\.npz: drift reference member edges must exist, got members/],
      ['bad-shape.npz', (m) => m.set('proportions', { data: new Float64Array(10).fill(0.1), shape: [1, 10] }), /member proportions must have shape \(3, 10\), got \(1, 10\)$/],
      ['unsorted.npz', (m) => m.set('edges', { data: Float64Array.from({ length: 27 }, (_, k) => -k), shape: [3, 9] }), /member edges must be ascending per row, got a decrease in row 0 at index 1$/],
      ['nan.npz', (m) => m.set('score_threshold', { data: Float64Array.of(Number.NaN), shape: [] }), /member score_threshold must hold finite values, got NaN at index 0$/],
      ['f32.npz', (m) => m.set('floor', { data: Float32Array.of(1e-4), shape: [] }), /member floor must have dtype f8, got <f4$/],
    ];
    for (const [name, edit, pattern] of cases) {
      const path = writeReference(name, referenceParts(train), edit);
      expectError(() => drift({ reference: path, current }), FormatError, pattern);
    }
    const v2 = writeReference('v2.npz', referenceParts(train), (m) => {
      const meta = JSON.parse(npyStrings({ ...m.get('meta_json')!, dtype: m.get('meta_json')!.dtype! }, 'meta_json')[0]!) as Record<string, unknown>;
      const bytes = new TextEncoder().encode(JSON.stringify({ ...meta, version: 2 }));
      m.set('meta_json', { data: bytes, shape: [bytes.length] });
    });
    expectError(() => drift({ reference: v2, current }), FormatError, /v2\.npz: drift reference member meta_json\.version must be 1, got 2$/);
  });

  it('reads references written before text members were NumPy unicode arrays (UTF-8 bytes)', () => {
    const current = writeBatch('ok3.npy', batch(100, 1));
    const parts = referenceParts(train);
    const now = drift({ reference: writeReference('new.npz', parts, () => {}), current });
    const old = writeReference('old.npz', parts, (m) => {
      for (const name of ['meta_json', 'feature_names', 'schema_name', 'schema_version', 'schema_hash']) {
        const a = m.get(name);
        if (a === undefined) continue;
        const strings = npyStrings({ ...a, dtype: a.dtype! }, name);
        const bytes = new TextEncoder().encode(strings.join('\n'));
        m.set(name, { data: bytes, shape: [bytes.length] });
      }
    });
    expect(drift({ reference: old, current })).toEqual({ ...now, reference: old });
  });

  it('refuses bad options with InvalidOptionError', () => {
    const current = writeBatch('ok3.npy', batch(100, 1));
    expectError(() => drift({ reference, current, sampleRows: 0 }), InvalidOptionError, /^drift: sampleRows must be an integer >= 1, got 0$/);
    expectError(() => drift({ reference, current, maxInvalidFraction: 1 }), InvalidOptionError, /^drift: maxInvalidFraction must be a number in \[0, 1\), got 1$/);
  });
});
