import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { readNpy, shapeTuple } from '../../src/io/index.js';
import { expectError } from '../tensor/expect-error.js';

/** Builds .npy bytes by hand (independently of writeNpy): magic, version, length, header, data. */
function craft(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const pre = major === 1 ? 10 : 12;
  const out = new Uint8Array(pre + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(data, pre + text.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

function expectRefused(bytes: Uint8Array, pattern: RegExp): void {
  const read = () => readNpy(bytes, 'data.npy');
  expectError(read, FormatError, pattern);
}

describe('npy header parsing', () => {
  it('accepts double quotes, no trailing comma, other key order and extra whitespace', () => {
    const got = readNpy(craft('{"shape": (2,), "descr": "<f4","fortran_order":False}  \n', f32(1.5, -2)));
    expect(got.shape).toEqual([2]);
    expect(Array.from(got.data)).toEqual([1.5, -2]);
  });

  it('reads a version 2.0 header longer than 65535 bytes', () => {
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }${' '.repeat(70000)}\n`;
    expect(Array.from(readNpy(craft(header, f32(7), 2)).data)).toEqual([7]);
  });

  it('reads a version 3.0 UTF-8 header and refuses invalid UTF-8', () => {
    expect(readNpy(craft("{'descr': '<f4', 'fortran_order': False, 'shape': (), }  \n", f32(3), 3)).shape).toEqual([]);
    const bad = craft("{'descr': '<f4', 'fortran_order': False, 'shape': (), }  \n", f32(3), 3);
    bad[12 + 57] = 0xff; // a padding space
    expectRefused(bad, /^data\.npy: a version 3\.0 \.npy header must be valid UTF-8/);
  });

  it('refuses format versions other than 1.0, 2.0 and 3.0', () => {
    const bytes = craft("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32(1));
    bytes[6] = 4;
    expectRefused(bytes, /^data\.npy: \.npy format version must be 1\.0, 2\.0 or 3\.0, got 4\.0$/);
  });

  it('refuses a header that is not a dict', () => {
    expectRefused(craft("['descr', '<f4']\n"), /^data\.npy: header must be a Python dict literal, got "\['descr', '<f4'\]/);
  });

  it('refuses missing or extra keys', () => {
    expectRefused(craft("{'descr': '<f4', 'shape': (1,)}"), /header keys must be exactly descr, fortran_order, shape, got descr, shape/);
    expectRefused(craft("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"), /got descr, fortran_order, shape, x/);
  });

  it('refuses a duplicated key', () => {
    expectRefused(craft("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}"), /no duplicate key 'descr'/);
  });

  it('refuses a shape that is a list, negative, or a float', () => {
    expectRefused(craft("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}"), /'shape' must be a tuple of non-negative integers/);
    expectRefused(craft("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}"), /'shape' must be a tuple of non-negative integers/);
    expectRefused(craft("{'descr': '<f4', 'fortran_order': False, 'shape': (1.0,)}"), /an integer \(floats are not allowed\)/);
  });

  it('refuses structured dtypes, strings, complex and unknown descrs', () => {
    expectRefused(craft("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}"), /'descr' must be a dtype string \(structured dtypes are not supported\), got a list/);
    for (const d of ['<U4', '|S3', '<c8', '<f3', '<M8[ns]', '|f4']) {
      expectRefused(craft(`{'descr': '${d}', 'fortran_order': False, 'shape': (1,)}`), /dtype must be|byte order must be/);
    }
  });

  it('refuses a non-boolean fortran_order', () => {
    expectRefused(craft("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}"), /'fortran_order' must be True or False, got a int/);
  });

  it('refuses expressions instead of evaluating them', () => {
    expectRefused(craft("{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}"), /header must be a Python literal with a value at offset 10/);
    expectRefused(craft("{'descr': '<f4', 'fortran_order': False, 'shape': (1+1,)}"), /',' or '\)'/);
  });

  it('refuses a header longer than the file and a file shorter than the preamble', () => {
    const bytes = craft("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}").subarray(0, 30);
    expectRefused(bytes, /\.npy header must be 55 bytes, got 20/);
    expectRefused(new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1]), /must have a 10-byte preamble, got 7 bytes/);
    expectRefused(new Uint8Array(0), /magic string \\x93NUMPY, got ""/);
  });

  it('refuses a shape whose byte size overflows before allocating anything', () => {
    expectRefused(craft("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"), /array size must fit in 9007199254740991 bytes/);
    expectRefused(craft("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000)}"), /array data must be 80000000000 bytes for <f8 \[100000,100000\], got 0 \(file truncated\)/);
  });

  it('refuses too deep nesting with a FormatError, not a stack overflow', () => {
    expectRefused(craft(`{'descr': ${'('.repeat(5000)}`), /nesting depth <= 32/);
  });

  it('reads big-endian int16 and uint32 and little-endian uint64', () => {
    const be16 = new Uint8Array([0xff, 0xfe, 0x01, 0x00]); // -2, 256
    expect(Array.from(readNpy(craft("{'descr': '>i2', 'fortran_order': False, 'shape': (2,)}", be16)).data)).toEqual([-2, 256]);
    const be32 = new Uint8Array([0x80, 0, 0, 1]);
    expect(Array.from(readNpy(craft("{'descr': '>u4', 'fortran_order': False, 'shape': (1,)}", be32)).data)).toEqual([Math.fround(2 ** 31 + 1)]);
    const u64 = new Uint8Array(new BigUint64Array([2n ** 64n - 1n]).buffer);
    expect(Array.from(readNpy(craft("{'descr': '<u8', 'fortran_order': False, 'shape': (1,)}", u64)).data)).toEqual([2 ** 64]);
  });
});

describe('shapeTuple', () => {
  it("prints a shape as NumPy's repr does", () => {
    // str(np.zeros(300).shape), str(np.zeros((2, 3)).shape), str(np.float32(1).shape)
    expect(shapeTuple([300])).toBe('(300,)');
    expect(shapeTuple([2, 3])).toBe('(2, 3)');
    expect(shapeTuple([])).toBe('()');
  });
});
