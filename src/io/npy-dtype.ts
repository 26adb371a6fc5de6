/**
 * NumPy dtype descriptors (`'<f4'`, `'>f8'`, `'|u1'`, `'|b1'` …): parsing, and decoding raw bytes into
 * float32 or into a typed array of the native element type. Shared by the .npy, .npz and row readers.
 */
import { HOST_LITTLE_ENDIAN } from '../endian.js';
import { FormatError } from '../errors.js';

/** Every typed array dadm can read from or write to an .npy/.npz/safetensors file. */
export type NpyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A parsed dtype descriptor: kind `f` float, `i` signed int, `u` unsigned int, `b` bool, and `U` NumPy
 * unicode text (`<U12`: 12 UTF-32 code units an element, itemSize 48), accepted only where text is asked for.
 */
export interface NpyDtype {
  readonly descr: string;
  readonly kind: 'f' | 'i' | 'u' | 'b' | 'U';
  readonly itemSize: number;
  readonly littleEndian: boolean;
}


export { HOST_LITTLE_ENDIAN };

const SIZES: Record<string, readonly number[]> = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] };

/**
 * Parses a numpy `descr` string of a simple numeric dtype, or with `text` also a unicode one (`<U12`).
 * @throws FormatError for object/pickle (`|O`), strings (unless `text`), structured, datetime or unknown dtypes.
 */
export function parseDescr(descr: string, where: string, text = false): NpyDtype {
  const u = text ? /^([<>|=]?)U(\d+)$/.exec(descr) : null;
  if (u !== null && Number(u[2]) >= 1) return { descr, kind: 'U', itemSize: 4 * Number(u[2]), littleEndian: u[1] === '>' ? false : u[1] === '<' || HOST_LITTLE_ENDIAN };
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (descr.includes('O')) {
    throw new FormatError(
      `${where}: dtype must be numeric (object arrays hold pickled Python objects, which dadm never unpickles), got '${descr}'`,
      where,
    );
  }
  const sizes = m ? SIZES[m[2]!] : undefined;
  const itemSize = m ? Number(m[3]) : 0;
  if (!m || !sizes || !sizes.includes(itemSize)) {
    throw new FormatError(
      `${where}: dtype must be one of float16/32/64, int8/16/32/64, uint8/16/32/64 or bool, got '${descr}'`,
      where,
    );
  }
  const order = m[1]!;
  if (order === '|' && itemSize !== 1) {
    throw new FormatError(`${where}: dtype byte order must be '<' or '>' for multi-byte types, got '${descr}'`, where);
  }
  const littleEndian = order === '>' ? false : order === '<' || order === '|' || itemSize === 1 || HOST_LITTLE_ENDIAN;
  return { descr, kind: m[2] as NpyDtype['kind'], itemSize, littleEndian };
}

/** Decodes an IEEE 754 half-precision bit pattern (every float16 is exact in float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/**
 * Decodes `count` elements of `dtype` starting at `bytes[byteOffset]` into `out[outOffset …]` as float32.
 * int64/uint64 go through float64 (hi * 2^32 + lo, exact below 2^53) and then round to float32.
 */
export function decodeToFloat32(
  bytes: Uint8Array,
  byteOffset: number,
  count: number,
  dtype: NpyDtype,
  out: Float32Array,
  outOffset: number,
): void {
  const le = dtype.littleEndian;
  if (dtype.kind === 'f' && dtype.itemSize === 4 && le === HOST_LITTLE_ENDIAN) {
    const dst = new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, count * 4);
    dst.set(bytes.subarray(byteOffset, byteOffset + count * 4));
    return;
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * dtype.itemSize);
  const key = `${dtype.kind}${dtype.itemSize}`;
  switch (key) {
    case 'f2':
      for (let i = 0; i < count; i++) out[outOffset + i] = halfToFloat(v.getUint16(2 * i, le));
      break;
    case 'f4':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getFloat32(4 * i, le);
      break;
    case 'f8':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getFloat64(8 * i, le);
      break;
    case 'i1':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getInt8(i);
      break;
    case 'u1':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getUint8(i);
      break;
    case 'b1':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getUint8(i) === 0 ? 0 : 1;
      break;
    case 'i2':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getInt16(2 * i, le);
      break;
    case 'u2':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getUint16(2 * i, le);
      break;
    case 'i4':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getInt32(4 * i, le);
      break;
    case 'u4':
      for (let i = 0; i < count; i++) out[outOffset + i] = v.getUint32(4 * i, le);
      break;
    case 'i8':
    case 'u8': {
      const [loAt, hiAt] = le ? [0, 4] : [4, 0];
      const signed = key === 'i8';
      for (let i = 0; i < count; i++) {
        const hi = signed ? v.getInt32(8 * i + hiAt, le) : v.getUint32(8 * i + hiAt, le);
        out[outOffset + i] = hi * 4294967296 + v.getUint32(8 * i + loAt, le);
      }
      break;
    }
  }
}

/**
 * Decodes `count` elements into a fresh typed array of the native element type, in host byte order.
 * float16 has no JS typed array and is decoded to Float32Array; bool stays raw bytes in a Uint8Array.
 */
export function decodeNative(bytes: Uint8Array, byteOffset: number, count: number, dtype: NpyDtype): NpyTypedArray {
  if (dtype.kind === 'f' && dtype.itemSize === 2) {
    const out = new Float32Array(count);
    decodeToFloat32(bytes, byteOffset, count, dtype, out, 0);
    return out;
  }
  const out = allocateNative(dtype, count);
  const raw = new Uint8Array(out.buffer, out.byteOffset, count * dtype.itemSize);
  raw.set(bytes.subarray(byteOffset, byteOffset + raw.length));
  if (dtype.itemSize > 1 && dtype.littleEndian !== HOST_LITTLE_ENDIAN) swapBytesInPlace(raw, dtype.itemSize);
  return out;
}

function allocateNative(dtype: NpyDtype, count: number): NpyTypedArray {
  switch (`${dtype.kind}${dtype.itemSize}`) {
    case 'f4': return new Float32Array(count);
    case 'f8': return new Float64Array(count);
    case 'i1': return new Int8Array(count);
    case 'i2': return new Int16Array(count);
    case 'i4': return new Int32Array(count);
    case 'i8': return new BigInt64Array(count);
    case 'u2': return new Uint16Array(count);
    case 'u4': return new Uint32Array(count);
    case 'u8': return new BigUint64Array(count);
    default: return new Uint8Array(count); // u1, b1
  }
}

/** Reverses the byte order of every `itemSize`-byte element of `raw`. */
export function swapBytesInPlace(raw: Uint8Array, itemSize: number): void {
  for (let at = 0; at < raw.length; at += itemSize) {
    for (let a = at, b = at + itemSize - 1; a < b; a++, b--) {
      const t = raw[a]!;
      raw[a] = raw[b]!;
      raw[b] = t;
    }
  }
}

/** The little-endian numpy descr for a typed array (`Uint8Array` is `'|u1'`, or `'|b1'` when `bool`). */
export function descrOf(data: NpyTypedArray, bool = false): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Uint32Array) return '<u4';
  if (data instanceof BigUint64Array) return '<u8';
  return bool ? '|b1' : '|u1';
}
