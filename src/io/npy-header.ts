/**
 * The .npy preamble and header (format versions 1.0, 2.0 and 3.0), as described in
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html :
 * magic `\x93NUMPY`, major, minor, header length (uint16 LE in 1.0, uint32 LE in 2.0/3.0), then a
 * Python dict literal (latin-1, or UTF-8 in 3.0) padded with spaces and ending in `\n`.
 */
import { FormatError, fmtShape } from '../errors.js';
import { FORMAT_LIMITS } from '../limits.js';
import { parseDescr, type NpyDtype } from './npy-dtype.js';
import { parsePythonLiteral } from './python-literal.js';

/** Everything the header says about the array and where its data starts. */
export interface NpyHeader {
  readonly version: readonly [number, number];
  readonly dataOffset: number;
  readonly dtype: NpyDtype;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  /** Number of elements, prod(shape) (1 for a 0-d array). */
  readonly size: number;
  /** Bytes of array data, size * itemSize. */
  readonly byteLength: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Bytes a reader needs before it knows the header length (magic, version, uint32 length). */
export const NPY_PREFIX_BYTES = 12;
/** Larger headers are refused before they are read; real headers are well under 1 KiB. */
export const MAX_HEADER_BYTES = FORMAT_LIMITS.npyHeaderBytes;
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

/**
 * Reads magic, version and header length from the first bytes of a file.
 * @returns where the header text starts and how long it is.
 * @throws FormatError on a wrong magic string, an unknown version or an oversized header.
 */
export function readNpyPrefix(bytes: Uint8Array, where: string): { major: number; headerStart: number; headerLength: number } {
  const isMagic = bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
  if (!isMagic) {
    const got = Array.from(bytes.subarray(0, 6), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw new FormatError(`${where}: an .npy file must start with the magic string \\x93NUMPY, got "${got}"`, where);
  }
  if (bytes.length < 10) throw new FormatError(`${where}: an .npy file must have a 10-byte preamble, got ${bytes.length} bytes`, where);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) {
    throw new FormatError(`${where}: .npy format version must be 1.0, 2.0 or 3.0, got ${major}.${minor}`, where);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (major > 1 && bytes.length < NPY_PREFIX_BYTES) {
    throw new FormatError(`${where}: a version ${major}.0 .npy file must have a 12-byte preamble, got ${bytes.length} bytes`, where);
  }
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new FormatError(`${where}: .npy header length must be <= ${MAX_HEADER_BYTES} bytes, got ${headerLength}`, where);
  }
  return { major, headerStart, headerLength };
}

/**
 * Parses the preamble and header of an .npy file; `bytes` must hold at least the whole header.
 * `allowText` accepts NumPy unicode dtypes (`<U12`) besides the numeric ones.
 * @throws FormatError for anything but a dict with exactly `descr`, `fortran_order` and `shape`.
 */
export function parseNpyHeader(bytes: Uint8Array, where: string, allowText = false): NpyHeader {
  const { major, headerStart, headerLength } = readNpyPrefix(bytes, where);
  const dataOffset = headerStart + headerLength;
  if (bytes.length < dataOffset) {
    throw new FormatError(`${where}: .npy header must be ${headerLength} bytes, got ${bytes.length - headerStart}`, where);
  }
  const text = decodeHeaderText(bytes.subarray(headerStart, dataOffset), major, where);
  const dict = parsePythonLiteral(text, where);
  if (dict.kind !== 'dict') {
    throw new FormatError(`${where}: header must be a Python dict literal, got ${JSON.stringify(text.slice(0, 40))}`, where);
  }
  const keys = [...dict.entries.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    throw new FormatError(`${where}: header keys must be exactly descr, fortran_order, shape, got ${keys.join(', ')}`, where);
  }
  const descr = dict.entries.get('descr')!;
  if (descr.kind !== 'str') {
    throw new FormatError(`${where}: 'descr' must be a dtype string (structured dtypes are not supported), got a ${descr.kind}`, where);
  }
  const fortran = dict.entries.get('fortran_order')!;
  if (fortran.kind !== 'bool') throw new FormatError(`${where}: 'fortran_order' must be True or False, got a ${fortran.kind}`, where);
  const shapeLit = dict.entries.get('shape')!;
  const shape: number[] = [];
  if (shapeLit.kind === 'tuple') {
    for (const d of shapeLit.items) if (d.kind === 'int' && d.value >= 0) shape.push(d.value);
  }
  if (shapeLit.kind !== 'tuple' || shape.length !== shapeLit.items.length) {
    throw new FormatError(`${where}: 'shape' must be a tuple of non-negative integers, got ${JSON.stringify(text.slice(text.indexOf("'shape'"), text.indexOf("'shape'") + 40))}`, where);
  }
  const dtype = parseDescr(descr.value, where, allowText);
  let size = 1;
  for (const d of shape) size *= d;
  const byteLength = size * dtype.itemSize;
  if (!Number.isSafeInteger(byteLength)) {
    throw new FormatError(`${where}: array size must fit in ${Number.MAX_SAFE_INTEGER} bytes, got shape ${fmtShape(shape)}`, where);
  }
  return { version: [major, 0], dataOffset, dtype, fortranOrder: fortran.value, shape, size, byteLength };
}

function decodeHeaderText(raw: Uint8Array, major: number, where: string): string {
  if (major === 3) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new FormatError(`${where}: a version 3.0 .npy header must be valid UTF-8, got invalid bytes`, where);
    }
  }
  let text = '';
  for (let i = 0; i < raw.length; i++) text += String.fromCharCode(raw[i]!); // latin-1
  return text;
}

/**
 * Builds the preamble + header bytes numpy itself writes for this array: keys sorted, `repr` values,
 * 21 spare bytes for growing the first axis in place, padded with spaces and `\n` to a multiple of 64.
 * Version 1.0 unless the header would exceed 65535 bytes (then 2.0, as numpy does).
 */
export function formatNpyHeader(descr: string, fortranOrder: boolean, shape: readonly number[]): Uint8Array {
  const shapeRepr = shapeTuple(shape);
  let text = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) {
    const growthAxis = shape[fortranOrder ? shape.length - 1 : 0]!;
    text += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(growthAxis).length));
  }
  let major = 1;
  let prefix = 10;
  let padded = text.length + 1 + (ALIGN - ((prefix + text.length + 1) % ALIGN));
  if (padded > 0xffff) {
    major = 2;
    prefix = 12;
    padded = text.length + 1 + (ALIGN - ((prefix + text.length + 1) % ALIGN));
  }
  const out = new Uint8Array(prefix + padded);
  out.set(MAGIC);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  out.fill(0x20, prefix + text.length, out.length - 1);
  out[out.length - 1] = 0x0a;
  return out;
}

/** A shape as NumPy prints it: `(300,)`, `(20000, 64)`, `()`. */
export function shapeTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
