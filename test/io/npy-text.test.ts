/**
 * Text as NumPy unicode arrays: dadm writes the bytes numpy.save writes (test/fixtures/npy/text_*.npy,
 * from tools/npy-text-reference.py with NumPy 1.24) and reads them back, and reads the UTF-8 bytes older
 * dadm files stored.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { npyStrings, readNpy, readNpyTyped, readNpzTyped, textArray, writeNpy, writeNpz } from '../../src/io/index.js';
import { expectError } from '../tensor/expect-error.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(`test/fixtures/npy/${name}`));
const NAMES = ['process_spawn_count', 'cmdline_entropy', 'x'];
const SCALAR = 'endpoint-v1 \u00e9\u6f22\u{1f600}';

describe('NumPy text arrays', () => {
  it("writes numpy.save's bytes for a [n] and a 0-d unicode array", () => {
    expect(writeNpy(textArray(NAMES))).toEqual(fixture('text_names.npy'));
    expect(writeNpy(textArray([SCALAR], true))).toEqual(fixture('text_scalar.npy'));
  });

  it("reads numpy's unicode arrays as strings when text is asked for, and round-trips through .npz", () => {
    const names = readNpyTyped(fixture('text_names.npy'), 'names', { text: true });
    expect(names.dtype).toBe('<U19');
    expect(npyStrings(names, 'names')).toEqual(NAMES);
    expect(npyStrings(readNpyTyped(fixture('text_scalar.npy'), 's', { text: true }), 's')).toEqual([SCALAR]);
    const npz = readNpzTyped(writeNpz({ names: textArray(NAMES), n: { data: Float64Array.of(1), shape: [] } }), 'a.npz', { text: true });
    expect(npyStrings(npz.get('names')!, 'names')).toEqual(NAMES);
  });

  it('reads the UTF-8 bytes older files stored, and refuses other dtypes', () => {
    const bytes = new TextEncoder().encode('caf\u00e9');
    expect(npyStrings({ data: bytes, shape: [bytes.length], dtype: '|u1' }, 'old')).toEqual(['caf\u00e9']);
    expectError(() => npyStrings({ data: Float32Array.of(1), shape: [1], dtype: '<f4' }, 'x.npz[meta]'), FormatError, /^x\.npz\[meta\]: dtype must be text \('<U…', or UTF-8 bytes '\|u1' \[n\] from older files\), got '<f4' \[1\]$/);
  });

  it('keeps refusing text where numbers are read', () => {
    expectError(() => readNpy(fixture('text_names.npy'), 'names.npy'), FormatError, /^names\.npy: dtype must be one of float16\/32\/64, .*got '<U19'$/);
    expectError(() => readNpyTyped(fixture('text_names.npy'), 'names.npy'), FormatError, /got '<U19'$/);
  });
});
