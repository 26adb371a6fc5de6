import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { readNpy, readNpyTyped, writeNpy, type NpyTypedArray } from '../../src/io/index.js';
import { MANIFEST, expectFloat32Matches, expectTypedMatches, fixtureBytes } from './npy-manifest.js';
import { expectError } from '../tensor/expect-error.js';

/** Our decision for each `accept: null` file (docs/file-formats.md); a new null file must be added here. */
const NULL_DECISIONS: Record<string, 'accept' | 'refuse-unless-allowTrailingBytes'> = {
  'f16_4.npy': 'accept',
  'trailing_bytes_8x8.npy': 'refuse-unless-allowTrailingBytes',
};

/** What each refused file's message must mention (besides the file name). */
const REFUSAL_PATTERNS: Record<string, RegExp> = {
  'object_dtype.npy': /dtype must be numeric .*pickled.*got '\|O'/,
  'truncated_8x8.npy': /array data must be 256 bytes for <f4 \[8,8\], got 100 \(file truncated\)/,
  'corrupted_header.npy': /header must be a Python literal with ':' after a dict key/,
  'bad_magic.npy': /must start with the magic string \\x93NUMPY/,
};

const npyEntries = MANIFEST.files.filter((f) => f.kind === 'npy');

describe('readNpy on the numpy reference corpus', () => {
  it('covers every npy entry of the manifest with a decision', () => {
    for (const f of npyEntries) {
      if (f.accept === null) expect(NULL_DECISIONS[f.file], f.file).toBeDefined();
      if (f.accept === false) expect(REFUSAL_PATTERNS[f.file], f.file).toBeDefined();
    }
    expect(npyEntries.length).toBeGreaterThanOrEqual(24);
  });

  for (const f of npyEntries) {
    const decision = f.accept === null ? NULL_DECISIONS[f.file] : f.accept ? 'accept' : 'refuse';
    if (decision === 'accept') {
      it(`accepts ${f.file} (${f.note})`, () => {
        const bytes = fixtureBytes(f.file);
        expect(bytes.length).toBe(f.bytes);
        expectFloat32Matches(readNpy(bytes, f.file), f as never);
        expectTypedMatches(readNpyTyped(bytes, f.file), f as never);
      });
    } else if (decision === 'refuse') {
      it(`refuses ${f.file} with a FormatError naming the file`, () => {
        const read = () => readNpy(fixtureBytes(f.file), f.file);
        expectError(read, FormatError, new RegExp(`^${f.file.replace('.', '\\.')}: `));
        expectError(read, FormatError, REFUSAL_PATTERNS[f.file]!);
      });
    } else {
      it(`refuses ${f.file} by default and reads it with allowTrailingBytes`, () => {
        const bytes = fixtureBytes(f.file);
        expectError(() => readNpy(bytes, f.file), FormatError, /^trailing_bytes_8x8\.npy: file length must be 384 bytes for <f4 \[8,8\], got 392 \(8 trailing bytes; pass allowTrailingBytes to ignore them\)$/);
        expectFloat32Matches(readNpy(bytes, f.file, { allowTrailingBytes: true }), f as never);
      });
    }
  }

  it('reads int64 values beyond 2^53 exactly with readNpyTyped', () => {
    const got = readNpyTyped(fixtureBytes('i64_big_values.npy')).data;
    expect(got).toBeInstanceOf(BigInt64Array);
    // Exact values from the manifest note.
    expect(Array.from(got as BigInt64Array)).toEqual([9007199254740993n, -4611686018427387904n, 9223372036854775807n, 0n]);
  });
});

/** What reading each corpus dtype as float32 does, decided per dtype (NumPy's own float32 cast rounds the same ones). */
const CAST_OF_DTYPE: Record<string, string> = {
  '<f4': 'none',
  '>f4': 'none',
  '<f2': 'widened',
  '|b1': 'widened',
  '|i1': 'widened',
  '|u1': 'widened',
  '<f8': 'narrowed',
  '>f8': 'narrowed',
  '<i4': 'narrowed',
  '<i8': 'narrowed',
};

describe('readNpy cast: what the float32 conversion did', () => {
  it('says none, widened or narrowed for every accepted dtype of the corpus', () => {
    for (const f of npyEntries.filter((e) => e.accept !== false)) {
      expect(CAST_OF_DTYPE[f.dtype!], f.file).toBeDefined();
      expect(readNpy(fixtureBytes(f.file), f.file, { allowTrailingBytes: true }).cast, f.file).toBe(CAST_OF_DTYPE[f.dtype!]);
    }
  });

  it('marks a float64 array whose values round as narrowed', () => {
    const got = readNpy(writeNpy({ data: Float64Array.of(0.1, 1 / 3), shape: [2] }));
    expect(got.dtype).toBe('<f8');
    expect(got.cast).toBe('narrowed');
    expect(got.data[0]).not.toBe(0.1);
  });
});

describe('readNpy on views', () => {
  it('reads from an unaligned view into a larger buffer (float32, float64 and big-endian paths)', () => {
    for (const file of ['f32_c_5x7.npy', 'f64_c_4x6.npy', 'f32_big_endian_4x3.npy', 'i64_3x4.npy']) {
      const bytes = fixtureBytes(file);
      const host = new Uint8Array(bytes.length + 8).fill(0xee);
      host.set(bytes, 3);
      const view = host.subarray(3, 3 + bytes.length);
      expect(readNpy(view, file)).toEqual(readNpy(new Uint8Array(bytes), file));
      expect(readNpyTyped(view, file)).toEqual(readNpyTyped(new Uint8Array(bytes), file));
    }
  });
});

describe('writeNpy', () => {
  /** Little-endian C-order corpus files: numpy's bytes must be reproduced exactly. */
  const reproducible = npyEntries.filter(
    (f) => f.accept === true && !f.fortran_order && !f.dtype!.startsWith('>') && (f as { format_version?: number[] }).format_version?.[0] === 1,
  );

  it('has at least ten corpus files to reproduce', () => {
    expect(reproducible.length).toBeGreaterThanOrEqual(10);
  });

  it.each(reproducible.map((f) => f.file))('writes %s byte-for-byte as numpy 1.24 did', (file) => {
    const bytes = fixtureBytes(file);
    const typed = readNpyTyped(bytes);
    expect(writeNpy({ data: typed.data, shape: typed.shape, dtype: typed.dtype })).toEqual(new Uint8Array(bytes));
  });

  it('round-trips random shapes (0-d, empty, up to 4-D) and every writable dtype', () => {
    const makers: ((n: number, seed: number) => NpyTypedArray)[] = [
      (n, s) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i + s) * 1e3)),
      (n, s) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 7 + s) * 1e300),
      (n, s) => Int8Array.from({ length: n }, (_, i) => ((i * 37 + s) % 256) - 128),
      (n, s) => Int16Array.from({ length: n }, (_, i) => ((i * 977 + s) % 65536) - 32768),
      (n, s) => Int32Array.from({ length: n }, (_, i) => (i * 2654435761 + s) | 0),
      (n, s) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + s) % 256),
      (n, s) => Uint16Array.from({ length: n }, (_, i) => (i * 977 + s) % 65536),
      (n, s) => Uint32Array.from({ length: n }, (_, i) => (i * 2654435761 + s) >>> 0),
      (n, s) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i - s) * 1234567890123456789n),
      (n, s) => BigUint64Array.from({ length: n }, (_, i) => BigInt(i + s) * 1234567890123456789n),
    ];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
        fc.integer({ min: 0, max: makers.length - 1 }),
        fc.integer({ min: 0, max: 1000 }),
        (shape, kind, seed) => {
          const n = shape.reduce((a, d) => a * d, 1);
          const data = makers[kind]!(n, seed);
          const bytes = writeNpy({ data, shape });
          expect(bytes.length % 64).toBe(data.byteLength % 64); // header padded to 64 bytes
          const back = readNpyTyped(bytes);
          expect(back.shape).toEqual(shape);
          expect(back.data).toEqual(data);
          expect(back.fortranOrder).toBe(false);
          const f32 = readNpy(bytes).data;
          for (let i = 0; i < n; i++) expect(f32[i]).toBe(Math.fround(Number(data[i]!)));
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('writes a Uint8Array as bool when asked and reads it back as 0/1', () => {
    const bytes = writeNpy({ data: Uint8Array.of(0, 1, 1), shape: [3], dtype: '|b1' });
    const back = readNpy(bytes);
    expect(back.dtype).toBe('|b1');
    expect(Array.from(back.data)).toEqual([0, 1, 1]);
  });

  it('throws ShapeError when prod(shape) differs from the data length', () => {
    const write = () => writeNpy({ data: new Float32Array(5), shape: [2, 3] });
    expectError(write, ShapeError, /^writeNpy: data length must equal prod\(shape\) = 6 for shape \[2,3\], got 5$/);
  });

  it('throws ShapeError for negative or fractional dimensions', () => {
    expectError(() => writeNpy({ data: new Float32Array(0), shape: [-1] }), ShapeError, /^writeNpy: shape must be an array of non-negative integers, got \[-1\]$/);
    expectError(() => writeNpy({ data: new Float32Array(0), shape: [1.5] }), ShapeError, /^writeNpy: shape must be an array of non-negative integers, got \[1.5\]$/);
  });

  it('throws InvalidOptionError for a dtype that does not match the typed array', () => {
    const write = () => writeNpy({ data: new Float32Array(2), shape: [2], dtype: '<f8' });
    expectError(write, InvalidOptionError, /^writeNpy: dtype must match the typed array \(<f4\) or be '\|b1' for a Uint8Array, got '<f8'$/);
  });

  it('throws InvalidOptionError for data that is not a supported typed array', () => {
    const write = () => writeNpy({ data: [1, 2] as unknown as Float32Array, shape: [2] });
    expectError(write, InvalidOptionError, /^writeNpy: data must be a Float32\/Float64\/\(Big\)Int\/\(Big\)Uint typed array, got Array$/);
  });
});
