import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DadmError, FormatError, ShapeError } from '../../src/errors.js';
import { NpyRowReader, readNpy, writeNpy } from '../../src/io/index.js';
import { fixtureBytes } from './npy-manifest.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-row-reader-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Copies a corpus fixture into the temp dir so the reader opens a real file. */
function fixtureFile(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, fixtureBytes(name));
  return path;
}

function expectSameRows(name: string): void {
  const whole = readNpy(fixtureBytes(name));
  const reader = new NpyRowReader(fixtureFile(name));
  try {
    const cols = reader.cols;
    for (let start = 0; start < reader.rows; start++) {
      for (const count of [0, 1, reader.rows - start]) {
        expect(reader.readRows(start, count)).toEqual(whole.data.subarray(start * cols, (start + count) * cols));
      }
    }
  } finally {
    reader.close();
  }
}

describe('NpyRowReader', () => {
  it('reads the same rows as readNpy from random float32 and float64 files in os.tmpdir()', () => {
    let file = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
        fc.nat(1000),
        fc.array(fc.tuple(fc.nat(999), fc.nat(999)), { minLength: 5, maxLength: 5 }),
        (rows, cols, f64, seed, picks) => {
          const data = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 12.9898 + seed) * 1e3);
          const path = join(dir, `random-${file++}.npy`);
          const bytes = writeNpy({ data: f64 ? data : Float32Array.from(data), shape: [rows, cols] });
          writeFileSync(path, bytes);
          const whole = readNpy(bytes).data;
          const reader = new NpyRowReader(path);
          expect([reader.rows, reader.cols, reader.dtype]).toEqual([rows, cols, f64 ? '<f8' : '<f4']);
          for (const [u, v] of picks) {
            const start = Math.floor((u / 1000) * (rows + 1));
            const count = Math.floor((v / 1000) * (rows - start + 1));
            const out = new Float32Array(count * cols + 3).fill(-7);
            reader.readRows(start, count, out);
            expect(out.subarray(0, count * cols)).toEqual(whole.subarray(start * cols, (start + count) * cols));
            expect(Array.from(out.subarray(count * cols))).toEqual([-7, -7, -7]); // nothing written past the rows
          }
          reader.close();
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('reads across several 1 MiB conversion chunks of a float64 file', () => {
    const rows = 5000;
    const cols = 64;
    const data = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 100);
    const path = join(dir, 'big-f64.npy');
    writeFileSync(path, writeNpy({ data, shape: [rows, cols] }));
    const reader = new NpyRowReader(path);
    const got = reader.readRows(10, rows - 20);
    reader.close();
    let mismatches = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== Math.fround(data[10 * cols + i]!)) mismatches++;
    expect([got.length, mismatches]).toEqual([(rows - 20) * cols, 0]);
  });

  it.each(['f32_big_endian_4x3.npy', 'i64_3x4.npy', 'u8_4x4.npy', 'f32_1d_10.npy', 'f32_long_header_shape.npy', 'f32_v2_header_3x4.npy', 'f32_empty_0x64.npy'])(
    'reads corpus file %s row by row like readNpy',
    (name) => expectSameRows(name),
  );

  it('refuses Fortran-order and 0-d files for row streaming', () => {
    const fortran = fixtureFile('f32_fortran_3x5.npy');
    expectError(() => new NpyRowReader(fortran), FormatError, new RegExp(`^${escapeRegExp(fortran)}: array must be stored in C order to be read by rows, got fortran_order=True \\(convert with numpy\\.ascontiguousarray and save again\\)$`));
    expectError(() => new NpyRowReader(fixtureFile('f32_0d.npy')), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'f32_0d.npy'))}: array must have at least 1 dimension to be read by rows, got shape \\[\\]$`));
  });

  it('refuses truncated files, and trailing bytes unless allowed', () => {
    expectError(() => new NpyRowReader(fixtureFile('truncated_8x8.npy')), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'truncated_8x8.npy'))}: array data must be 256 bytes for <f4 \\[8,8\\], got 100 \\(file truncated\\)$`));
    const trailing = fixtureFile('trailing_bytes_8x8.npy');
    expectError(() => new NpyRowReader(trailing), FormatError, new RegExp(`^${escapeRegExp(trailing)}: file length must be 384 bytes for <f4 \\[8,8\\], got 392 \\(8 trailing bytes; pass allowTrailingBytes to ignore them\\)$`));
    const reader = new NpyRowReader(trailing, { allowTrailingBytes: true });
    expect(reader.readRows(7, 1)).toEqual(readNpy(fixtureBytes('trailing_bytes_8x8.npy'), 't', { allowTrailingBytes: true }).data.subarray(56));
    reader.close();
  });

  it('refuses bad magic and object dtypes when opening', () => {
    expectError(() => new NpyRowReader(fixtureFile('bad_magic.npy')), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'bad_magic.npy'))}: an \\.npy file must start with the magic string \\\\x93NUMPY, got "\\\\x93NUMPX"$`));
    expectError(() => new NpyRowReader(fixtureFile('object_dtype.npy')), FormatError, new RegExp(`^${escapeRegExp(join(dir, 'object_dtype.npy'))}: dtype must be numeric \\(object arrays hold pickled Python objects, which dadm never unpickles\\), got '\\|O'$`));
  });

  it('throws ShapeError for rows out of range or a short output array, DadmError after close', () => {
    const reader = new NpyRowReader(fixtureFile('f32_c_5x7.npy'));
    expectError(() => reader.readRows(3, 3), ShapeError, /^NpyRowReader\.readRows: rows start\.\.start\+count must lie in \[0, 5\], got start 3, count 3$/);
    expectError(() => reader.readRows(0, 2, new Float32Array(13)), ShapeError, /^NpyRowReader\.readRows: out length must be >= count \* cols = 14, got 13$/);
    reader.close();
    reader.close();
    expectError(() => reader.readRows(0, 1), DadmError, /^NpyRowReader\.readRows: reader must be open, got closed/);
  });

  it('allocates nothing for a file of 0 rows whatever width its header claims (was an untyped RangeError)', () => {
    const path = join(dir, 'zero-rows.npy');
    const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (0, 2, 323709552000), }";
    const text = header.padEnd(117, ' ') + '\n';
    writeFileSync(path, Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length, 0, ...Array.from(text, (c) => c.charCodeAt(0))]));
    const reader = new NpyRowReader(path);
    expect([reader.rows, reader.cols]).toEqual([0, 647419104000]);
    expect(reader.readRows(0, 0).length).toBe(0);
    reader.close();
  });
});
