import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DadmError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { NpyWriter, readNpy, readNpyTyped, writeNpy } from '../../src/io/index.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-npy-writer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NpyWriter', () => {
  it('writes in random batches the same bytes writeNpy writes for the whole array', () => {
    let file = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('float32' as const, 'float64' as const),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        (rows, cols, dtype, batchesAreF64, batchSizes) => {
          const data = Float64Array.from({ length: rows * cols }, (_, i) => Math.cos(i * 3.7) * 1e5);
          const path = join(dir, `w-${file++}.npy`);
          const writer = new NpyWriter(path, { shape: [rows, cols], dtype });
          for (let r = 0, k = 0; r < rows; k++) {
            const n = Math.min(batchSizes[k % batchSizes.length]!, rows - r);
            const part = data.subarray(r * cols, (r + n) * cols);
            writer.append(batchesAreF64 ? part : Float32Array.from(part));
            r += n;
          }
          expect(writer.rowCount).toBe(rows);
          writer.finish();
          const whole = dtype === 'float64' && batchesAreF64 ? data : dtype === 'float64' ? Float64Array.from(Float32Array.from(data)) : Float32Array.from(data);
          expect(new Uint8Array(readFileSync(path))).toEqual(writeNpy({ data: whole, shape: [rows, cols] }));
        },
      ),
      { seed: 42, numRuns: 60 },
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('streams 3-D rows and keeps nothing at the path until finish', () => {
    const path = join(dir, 'cube.npy');
    const writer = new NpyWriter(path, { shape: [3, 2, 2] });
    writer.append(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(readdirSync(dir)).not.toContain('cube.npy');
    writer.append(Float32Array.of(9, 10, 11, 12));
    writer.finish();
    const back = readNpy(readFileSync(path));
    expect(back.shape).toEqual([3, 2, 2]);
    expect(Array.from(back.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('throws ShapeError for a partial row or too many rows', () => {
    const writer = new NpyWriter(join(dir, 'bad.npy'), { shape: [2, 3] });
    expectError(() => writer.append(new Float32Array(4)), ShapeError, /^NpyWriter\.append: batch length must be a multiple of 3 \(row of \[3\]\), got 4$/);
    writer.append(new Float32Array(3));
    expectError(() => writer.append(new Float32Array(6)), ShapeError, /^NpyWriter\.append: total rows must be <= 2, got 1 \+ 2$/);
    writer.abort();
  });

  it('fails finish with too few rows, removing the temp file and leaving an existing file untouched', () => {
    const path = join(dir, 'keep.npy');
    writeFileSync(path, 'old');
    const writer = new NpyWriter(path, { shape: [4, 1], dtype: 'float64' });
    writer.append(Float64Array.of(1, 2));
    expectError(() => writer.finish(), ShapeError, /^NpyWriter\.finish: rows written must equal shape\[0\] = 4, got 2 \(nothing was written to .*keep\.npy\)$/);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.includes('keep.npy') && f.endsWith('.tmp'))).toEqual([]);
    expectError(() => writer.append(Float64Array.of(3)), DadmError, /^NpyWriter\.append: writer must be open, got finished or aborted/);
    expectError(() => writer.finish(), DadmError, /^NpyWriter\.finish: writer must be open, got finished or aborted/);
  });

  it('abort leaves the target as it was', () => {
    const path = join(dir, 'aborted.npy');
    const writer = new NpyWriter(path, { shape: [1, 1] });
    writer.append(Float32Array.of(5));
    writer.abort();
    writer.abort();
    expect(readdirSync(dir).filter((f) => f.includes('aborted.npy'))).toEqual([]);
  });

  it('validates shape and dtype options', () => {
    expectError(() => new NpyWriter(join(dir, 'x.npy'), { shape: [] }), ShapeError, /^NpyWriter: shape must be a non-empty array of non-negative integers, got \[\]$/);
    expectError(() => new NpyWriter(join(dir, 'x.npy'), { shape: [2, -1] }), ShapeError, /^NpyWriter: shape must be a non-empty array of non-negative integers, got \[2,-1\]$/);
    expectError(() => new NpyWriter(join(dir, 'x.npy'), { shape: [2], dtype: 'int8' as 'float32' }), InvalidOptionError, /^NpyWriter: dtype must be 'float32', 'float64', 'int32' or 'uint8', got "int8"$/);
    expect(readdirSync(dir).filter((f) => f.includes('x.npy'))).toEqual([]);
  });

  it('names the requested path, not the temp file, when the folder does not exist', () => {
    const path = join(dir, 'no-such-folder', 'scores.npy');
    expectError(() => new NpyWriter(path, { shape: [1] }), InvalidOptionError, new RegExp(`^${escapeRegExp(`${path}: output folder ${join(dir, 'no-such-folder')} must exist, got ENOENT (the folder does not exist)`)}$`));
  });

  it('names the requested path when the rename in finish fails, and removes the temp file', () => {
    const path = join(dir, 'taken');
    mkdirSync(join(path, 'inside'), { recursive: true });
    const writer = new NpyWriter(path, { shape: [1] });
    writer.append(Float32Array.of(1));
    expectError(() => writer.finish(), InvalidOptionError, new RegExp(`^${escapeRegExp(path)}: output path must not be a directory, got (EISDIR|ENOTEMPTY)`));
    expect(readdirSync(dir).filter((f) => f.includes('taken') && f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes an empty [0, 64] file that reads back as such', () => {
    const path = join(dir, 'empty.npy');
    const writer = new NpyWriter(path, { shape: [0, 64] });
    writer.finish();
    expect(readNpyTyped(readFileSync(path))).toEqual({ data: new Float32Array(0), shape: [0, 64], dtype: '<f4', fortranOrder: false });
  });
});

