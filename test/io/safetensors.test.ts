import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { readSafetensors, safetensorsDataStart, writeSafetensors, type NpyTypedArray, type SafetensorsTensorLike } from '../../src/io/index.js';
import { expectError } from '../tensor/expect-error.js';

/** Builds a safetensors file by hand from the spec: u64 LE length, header text, buffer. */
function craft(header: string | object, buffer: Uint8Array = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? text.length), true);
  out.set(text, 8);
  out.set(buffer, 8 + text.length);
  return out;
}

const t = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

function expectRefused(bytes: Uint8Array, pattern: RegExp): void {
  const read = () => readSafetensors(bytes, 'model.safetensors');
  expectError(read, FormatError, pattern);
}

describe('readSafetensors', () => {
  it('reads a hand-built file with metadata, F32 and I64 tensors', () => {
    const buffer = new Uint8Array(24);
    const view = new DataView(buffer.buffer);
    view.setBigInt64(0, -5n, true);
    view.setFloat32(8, 1.5, true);
    view.setFloat32(12, -2, true);
    view.setFloat32(16, 0.25, true);
    view.setFloat32(20, 8, true);
    const bytes = craft({ __metadata__: { format: 'pt' }, w: t('F32', [2, 2], 8, 24), step: t('I64', [], 0, 8) }, buffer);
    const got = readSafetensors(bytes, 'm.safetensors');
    expect(got.metadata).toEqual({ format: 'pt' });
    expect(got.tensors.get('w')).toEqual({ dtype: 'F32', shape: [2, 2], data: Float32Array.of(1.5, -2, 0.25, 8) });
    expect(got.tensors.get('step')).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(-5n) });
  });

  it('reads from an unaligned view into a larger buffer', () => {
    const bytes = writeSafetensors({ a: { data: Float64Array.of(0.1, -2), shape: [2] }, b: { data: Uint16Array.of(7), shape: [] } }, { x: 'y' });
    const host = new Uint8Array(bytes.length + 5).fill(0xee);
    host.set(bytes, 1);
    expect(readSafetensors(host.subarray(1, 1 + bytes.length))).toEqual(readSafetensors(bytes));
    expect(readSafetensors(bytes).tensors.get('a')!.data).toEqual(Float64Array.of(0.1, -2));
  });

  it('decodes F16 and BF16 exactly to float32', () => {
    const buffer = new Uint8Array(12);
    const view = new DataView(buffer.buffer);
    [0x3800, 0xc000, 0x7bff, 0x0001].forEach((h, i) => view.setUint16(2 * i, h, true)); // 0.5, -2, 65504, 2^-24
    [0x3f80, 0xc040].forEach((h, i) => view.setUint16(8 + 2 * i, h, true)); // 1, -3
    const got = readSafetensors(craft({ h: t('F16', [4], 0, 8), b: t('BF16', [2], 8, 12) }, buffer));
    expect(got.tensors.get('h')!.data).toEqual(Float32Array.of(0.5, -2, 65504, 2 ** -24));
    expect(got.tensors.get('b')).toEqual({ dtype: 'BF16', shape: [2], data: Float32Array.of(1, -3) });
  });

  it('accepts an empty file header {} and zero-size tensors', () => {
    expect(readSafetensors(craft('{}')).tensors.size).toBe(0);
    const got = readSafetensors(craft({ e: t('F32', [0, 3], 4, 4), a: t('U8', [4], 0, 4) }, Uint8Array.of(1, 2, 3, 4)));
    expect(got.tensors.get('e')!.data).toEqual(new Float32Array(0));
    expect(got.tensors.get('a')!.data).toEqual(Uint8Array.of(1, 2, 3, 4));
  });

  describe('validation', () => {
    const b8 = new Uint8Array(8);
    it('refuses a file shorter than the 8-byte length', () => {
      expectRefused(Uint8Array.of(1, 2, 3), /^model\.safetensors: a safetensors file must start with an 8-byte header length, got 3 bytes$/);
    });
    it('refuses a header length beyond the file', () => {
      expectRefused(craft('{}', b8, 1000), /^model\.safetensors: header length must be in \[2, 10\] \(file size 18 - 8\), got 1000 \(not a safetensors file\?\)$/);
      expectRefused(craft('{}', b8, 2 ** 40), /header length must be in .* got 1099511627776/);
    });
    it('refuses malformed JSON and non-object headers', () => {
      expectRefused(craft('{"a": tru}'), /^model\.safetensors: header must be well-formed JSON, got /);
      expectRefused(craft('[1, 2]'), /header must be a JSON object starting with '\{', got "\[1, 2\]"/);
      expectRefused(craft('{"a":1}\u0000'), /header must be well-formed JSON/);
    });
    it('refuses invalid UTF-8 in the header', () => {
      const bytes = craft('{"a":"xx"}');
      bytes[14] = 0xff;
      expectRefused(bytes, /header must be valid UTF-8, got invalid bytes/);
    });
    it('refuses unknown dtypes, bad shapes and bad offsets', () => {
      expectRefused(craft({ a: t('F8_E4M3', [8], 0, 8) }, b8), /tensor 'a' dtype must be one of BOOL, .*U64, got "F8_E4M3"/);
      expectRefused(craft({ a: t('F32', [-2], 0, 8) }, b8), /tensor 'a' shape must be an array of non-negative integers, got \[-2\]/);
      expectRefused(craft({ a: t('F32', [2], 8, 0) }, b8), /tensor 'a' data_offsets must be \[begin, end\] with 0 <= begin <= end, got \[8,0\]/);
      expectRefused(craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8], extra: 1 } }, b8), /tensor 'a' keys must be exactly data_offsets, dtype, shape, got data_offsets,dtype,extra,shape/);
    });
    it('refuses a byte range whose length does not match the shape', () => {
      expectRefused(craft({ a: t('F32', [2, 2], 0, 12) }, new Uint8Array(12)), /tensor 'a' byte length must be prod\(shape\) \* 4 = 16 for F32 \[2,2\], got 12 \(data_offsets \[0, 12\]\)/);
    });
    it('refuses offsets outside the data buffer', () => {
      expectRefused(craft({ a: t('F32', [4], 0, 16) }, b8), /tensor 'a' data_offsets must lie within the 8-byte data buffer, got \[0, 16\]/);
    });
    it('refuses overlapping tensors', () => {
      expectRefused(craft({ a: t('F32', [2], 0, 8), b: t('F32', [2], 4, 12) }, new Uint8Array(12)), /tensors must not overlap, got 'a' \[0, 8\) and 'b' \[4, 12\)/);
    });
    it('refuses holes in the buffer', () => {
      expectRefused(craft({ a: t('F32', [2], 0, 8), b: t('F32', [2], 12, 20) }, new Uint8Array(20)), /tensors must cover the data buffer without holes, got a hole at bytes \[8, 12\) before 'b'/);
      expectRefused(craft({ a: t('F32', [2], 4, 12) }, new Uint8Array(12)), /got a hole at bytes \[0, 4\) before 'a'/);
      expectRefused(craft({ a: t('F32', [2], 0, 8) }, new Uint8Array(12)), /tensors must cover the whole 12-byte data buffer, got 8 bytes covered \(4 bytes unaccounted for\)/);
    });
    it('refuses non-string metadata values', () => {
      expectRefused(craft({ __metadata__: { epochs: 3 } }), /__metadata__ values must be strings, got 3 for 'epochs'/);
    });
  });
});

describe('writeSafetensors', () => {
  it('writes exactly the bytes the spec prescribes: dtype-alignment order, then name, space padding', () => {
    const got = writeSafetensors({ b: { data: Float32Array.of(1, 2), shape: [2] }, a: { data: BigInt64Array.of(5n), shape: [1] } }, { k: 'v' });
    const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    const buffer = new Uint8Array(16);
    new DataView(buffer.buffer).setBigInt64(0, 5n, true);
    new DataView(buffer.buffer).setFloat32(8, 1, true);
    new DataView(buffer.buffer).setFloat32(12, 2, true);
    expect(got).toEqual(craft(padded, buffer));
  });

  it('round-trips random tensors and metadata, with deterministic bytes and aligned tensors', () => {
    const kinds: [string, (n: number) => NpyTypedArray][] = [
      ['F32', (n) => Float32Array.from({ length: n }, (_, i) => Math.fround(i / 7))],
      ['F64', (n) => Float64Array.from({ length: n }, (_, i) => i / 7)],
      ['I64', (n) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * -(2n ** 40n))],
      ['I32', (n) => Int32Array.from({ length: n }, (_, i) => i * -99)],
      ['I16', (n) => Int16Array.from({ length: n }, (_, i) => i - 9)],
      ['I8', (n) => Int8Array.from({ length: n }, (_, i) => -i)],
      ['U8', (n) => Uint8Array.from({ length: n }, (_, i) => i)],
      ['U16', (n) => Uint16Array.from({ length: n }, (_, i) => i * 3)],
      ['U32', (n) => Uint32Array.from({ length: n }, (_, i) => i * 2 ** 20)],
      ['U64', (n) => BigUint64Array.from({ length: n }, (_, i) => BigInt(i) << 60n)],
    ];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__metadata__'), { maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(kinds.length - 1), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })), { minLength: 5, maxLength: 5 }),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        (names, specs, metadata) => {
          const input = new Map<string, SafetensorsTensorLike>();
          names.forEach((name, k) => {
            const [kind, shape] = specs[k]!;
            input.set(name, { data: kinds[kind]![1](shape.reduce((a, d) => a * d, 1)), shape });
          });
          const bytes = writeSafetensors(input, metadata);
          expect(writeSafetensors(new Map([...input].reverse()), metadata)).toEqual(bytes);
          const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
          expect(headerLength % 8).toBe(0);
          const back = readSafetensors(bytes);
          expect(back.metadata).toEqual(metadata);
          expect(back.tensors.size).toBe(input.size);
          for (const [name, a] of input) {
            const b = back.tensors.get(name)!;
            expect(b.dtype).toBe(kinds[specs[names.indexOf(name)]![0]]![0]);
            expect(b.shape).toEqual(a.shape);
            expect(b.data).toEqual(a.data);
          }
          const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; data_offsets: number[] }>;
          for (const [name, e] of Object.entries(header)) {
            if (name !== '__metadata__') expect(e.data_offsets[0]! % back.tensors.get(name)!.data.BYTES_PER_ELEMENT).toBe(0);
          }
        },
      ),
      { seed: 42, numRuns: 150 },
    );
  });

  it('writes BOOL for a Uint8Array marked as bool', () => {
    const back = readSafetensors(writeSafetensors({ m: { data: Uint8Array.of(1, 0), shape: [2], dtype: 'BOOL' } }));
    expect(back.tensors.get('m')).toEqual({ dtype: 'BOOL', shape: [2], data: Uint8Array.of(1, 0) });
  });

  it('refuses the reserved name, mismatched dtypes, non-string metadata and wrong shapes', () => {
    const f = { data: new Float32Array(2), shape: [2] };
    expectError(() => writeSafetensors({ __metadata__: f }), InvalidOptionError, /^writeSafetensors: tensor names must not be '__metadata__'/);
    expectError(() => writeSafetensors({ a: { ...f, dtype: 'F16' } }), InvalidOptionError, /^writeSafetensors\['a'\]: dtype must match the typed array \(F32\) or be BOOL for a Uint8Array, got 'F16'$/);
    expectError(() => writeSafetensors({ a: f }, { n: 3 as unknown as string }), InvalidOptionError, /^writeSafetensors: metadata values must be strings, got number for 'n'$/);
    expectError(() => writeSafetensors({ a: { data: new Float32Array(3), shape: [2] } }), ShapeError, /^writeSafetensors\['a'\]: data length must equal prod\(shape\) = 2 for shape \[2\], got 3$/);
  });
});

describe('safetensorsDataStart', () => {
  it('points at the first byte of the data buffer', () => {
    const bytes = writeSafetensors({ a: { data: Float32Array.of(1.5, -2), shape: [2] } }, { k: 'v' });
    const start = safetensorsDataStart(bytes);
    // The only tensor is the 8-byte buffer at the end of the file.
    expect(start).toBe(bytes.length - 8);
    expect(Array.from(new Float32Array(bytes.slice(start).buffer))).toEqual([1.5, -2]);
    expect(safetensorsDataStart(craft('{}', Uint8Array.of(1, 2, 3)))).toBe(10);
  });

  it('throws FormatError when the header length points past the end', () => {
    const bad = craft('{}', new Uint8Array(0), 50);
    expectError(() => safetensorsDataStart(bad, 'w.safetensors'), FormatError, /^w\.safetensors: header length must lie within the 10-byte file, got 50$/);
    expectError(() => safetensorsDataStart(new Uint8Array(3)), FormatError, /^<buffer>: header length must lie within the 3-byte file, got no 8-byte prefix$/);
  });
});
