import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '../../src/errors.js';
import { NpyWriter, readNpyTyped, writeNpy } from '../../src/io/index.js';
import { expectError } from '../tensor/expect-error.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-npy-writer-int-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NpyWriter integer files', () => {
  it('streams int32 and uint8 batches into the bytes writeNpy writes for the whole array', () => {
    const ids = Int32Array.from([7, -3, 2_000_000_000, 0, 5]);
    const labels = Uint8Array.from([0, 1, 255, 3, 0]);
    for (const [name, data, dtype] of [['ids', ids, 'int32'], ['labels', labels, 'uint8']] as const) {
      const path = join(dir, `${name}.npy`);
      const w = new NpyWriter(path, { shape: [5], dtype });
      w.append(data.subarray(0, 2) as Int32Array & Uint8Array);
      w.append(data.subarray(2) as Int32Array & Uint8Array);
      w.finish();
      const bytes = readFileSync(path);
      expect(new Uint8Array(bytes)).toEqual(writeNpy({ data, shape: [5] }));
      expect(readNpyTyped(bytes).dtype).toBe(dtype === 'int32' ? '<i4' : '|u1');
    }
  });

  it('refuses a batch of another array type than the file dtype', () => {
    const w = new NpyWriter(join(dir, 'bad.npy'), { shape: [2], dtype: 'int32' });
    expectError(() => w.append(new Float32Array(2)), InvalidOptionError, /^NpyWriter\.append: batch must be an Int32Array, got Float32Array$/);
    w.abort();
    const f = new NpyWriter(join(dir, 'bad2.npy'), { shape: [2] });
    expectError(() => f.append(new Uint8Array(2)), InvalidOptionError, /^NpyWriter\.append: batch must be a Float32Array or Float64Array, got Uint8Array$/);
    f.abort();
  });
});
