/**
 * safetensors reading and writing (https://github.com/huggingface/safetensors): a JSON header of
 * names, dtypes, shapes and byte ranges, then one little-endian C-order data buffer.
 */
import { FormatError, InvalidOptionError, fmtShape } from '../errors.js';
import { ByteBudget, resolveLimits, type Limits } from '../limits.js';
import { readInputFile, type InputFileOptions } from './input-file.js';
import { HOST_LITTLE_ENDIAN, decodeNative, descrOf, parseDescr, swapBytesInPlace, type NpyTypedArray } from './npy-dtype.js';
import { checkArrayLike } from './npy.js';
import { SAFETENSORS_DTYPES, parseSafetensorsHeader, type SafetensorsDtype } from './safetensors-header.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { concatBytes } from './zip.js';

export type { SafetensorsDtype } from './safetensors-header.js';

/** A tensor read from a safetensors file; `data` is C order, host byte order. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: NpyTypedArray;
}

/** What {@link writeSafetensors} accepts per tensor; `dtype: 'BOOL'` marks a Uint8Array as bool. */
export interface SafetensorsTensorLike {
  readonly data: NpyTypedArray;
  readonly shape: readonly number[];
  readonly dtype?: SafetensorsDtype;
}

/** A whole safetensors file: tensors in header order, and the `__metadata__` string map ({} if absent). */
export interface SafetensorsContents {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Numpy descr with the same byte layout, for decoding. BF16 is handled separately. */
const DESCR: Record<Exclude<SafetensorsDtype, 'BF16'>, string> = {
  F64: '<f8', F32: '<f4', F16: '<f2', I64: '<i8', I32: '<i4', I16: '<i2', I8: '|i1',
  U64: '<u8', U32: '<u4', U16: '<u2', U8: '|u1', BOOL: '|b1',
};

/** Options of the safetensors readers. */
export interface SafetensorsReadOptions {
  /** Overrides of the default limits (src/limits.ts): each tensor must fit `maxTensorBytes`, all of them `maxTotalBytes`. */
  limits?: Partial<Limits>;
}

/**
 * Reads a safetensors file held in memory. Element types map to typed arrays as F32→Float32Array,
 * F64→Float64Array, I64→BigInt64Array, I32→Int32Array, U8/BOOL→Uint8Array, …; F16 and BF16 are decoded
 * to Float32Array (exact) with `dtype` kept as stored.
 * @param source file name used in error messages.
 * @throws FormatError when the header length, JSON, a dtype, a shape or the byte ranges are invalid
 *   (out of range, wrong size for the shape, overlapping, or leaving holes in the buffer).
 * @throws LimitError when a decoded tensor, or all of them, would be over the limits
 */
export function readSafetensors(bytes: Uint8Array, source = '<buffer>', options: SafetensorsReadOptions = {}): SafetensorsContents {
  const { entries, metadata } = parseSafetensorsHeader(bytes, source);
  const budget = new ByteBudget(resolveLimits(options.limits));
  for (const e of entries) {
    const count = (e.end - e.begin) / SAFETENSORS_DTYPES[e.dtype].size;
    const inMemory = e.dtype === 'F16' || e.dtype === 'BF16' ? 4 : SAFETENSORS_DTYPES[e.dtype].size;
    budget.reserve(count * inMemory, source, `tensor '${e.name}' ${e.dtype} ${fmtShape(e.shape)}`);
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / SAFETENSORS_DTYPES[e.dtype].size;
    const data = e.dtype === 'BF16' ? decodeBf16(bytes, e.begin, count) : decodeNative(bytes, e.begin, count, parseDescr(DESCR[e.dtype], source));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/**
 * Byte offset where the data buffer of a safetensors file starts (8 + the header length), for hashing
 * or copying the tensor bytes. Meant for bytes {@link readSafetensors} accepted or
 * {@link writeSafetensors} produced; it checks only that the 8-byte prefix fits.
 * @throws FormatError when the header length points outside `bytes`
 */
export function safetensorsDataStart(bytes: Uint8Array, source = '<buffer>'): number {
  const n = bytes.length < 8 ? -1n : new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n < 0n || n > BigInt(bytes.length - 8)) throw new FormatError(`${source}: header length must lie within the ${bytes.length}-byte file, got ${n < 0n ? 'no 8-byte prefix' : n}`, source);
  return 8 + Number(n);
}

/**
 * Reads a safetensors file from disk (see {@link readSafetensors}); the path names the file in errors.
 * @throws InvalidOptionError when the path is not a readable regular file (see {@link readInputFile})
 */
export function readSafetensorsFile(path: string, options: SafetensorsReadOptions & Pick<InputFileOptions, 'option' | 'what'> = {}): SafetensorsContents {
  return readSafetensors(readInputFile(path, options), path, options);
}

/** bfloat16 is the top half of a float32: shift the 16 bits into place. */
function decodeBf16(bytes: Uint8Array, at: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, count * 2);
  for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  return out;
}

const DTYPE_OF_DESCR: Record<string, SafetensorsDtype> = {
  '<f8': 'F64', '<f4': 'F32', '<i8': 'I64', '<i4': 'I32', '<i2': 'I16', '|i1': 'I8',
  '<u8': 'U64', '<u4': 'U32', '<u2': 'U16', '|u1': 'U8',
};

/**
 * Serialises tensors (and optional string metadata) as safetensors. Deterministic: tensors are ordered
 * as the reference implementation orders them — by dtype alignment, largest first, then by name
 * (UTF-16 code-unit order) — so every tensor starts aligned to its element size; metadata keys are
 * sorted; the JSON header is padded with spaces to a multiple of 8 bytes.
 * @throws InvalidOptionError for a tensor named `__metadata__`, a non-string metadata value, or a dtype
 *   override other than `BOOL` on a Uint8Array (F16/BF16 are read-only); ShapeError when
 *   prod(shape) differs from data.length.
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, SafetensorsTensorLike>> | ReadonlyMap<string, SafetensorsTensorLike>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, SafetensorsTensorLike>);
  const items = list.map(([name, t]) => {
    if (name === '__metadata__') throw new InvalidOptionError(`writeSafetensors: tensor names must not be '__metadata__', got '${name}'`, 'tensors');
    checkArrayLike({ data: t.data, shape: t.shape }, `writeSafetensors['${name}']`);
    const inferred = DTYPE_OF_DESCR[descrOf(t.data)]!;
    const isBool = t.dtype === 'BOOL' && t.data instanceof Uint8Array;
    if (t.dtype !== undefined && t.dtype !== inferred && !isBool) {
      throw new InvalidOptionError(`writeSafetensors['${name}']: dtype must match the typed array (${inferred}) or be BOOL for a Uint8Array, got '${t.dtype}'`, 'dtype');
    }
    return { name, dtype: isBool ? ('BOOL' as const) : inferred, shape: t.shape, data: t.data };
  });
  items.sort((a, b) => SAFETENSORS_DTYPES[b.dtype].rank - SAFETENSORS_DTYPES[a.dtype].rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata).sort();
  for (const k of metaKeys) {
    if (typeof metadata[k] !== 'string') throw new InvalidOptionError(`writeSafetensors: metadata values must be strings, got ${typeof metadata[k]} for '${k}'`, 'metadata');
  }
  if (metaKeys.length > 0) parts.push(`"__metadata__":{${metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  let offset = 0;
  for (const t of items) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  let header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) {
    const h = new Uint8Array(padded).fill(0x20);
    h.set(header);
    header = h;
  }
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(header.length), true);
  const bodies = items.map((t) => {
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    return HOST_LITTLE_ENDIAN || t.data.BYTES_PER_ELEMENT === 1 ? raw : swapped(raw, t.data.BYTES_PER_ELEMENT);
  });
  return concatBytes([prefix, header, ...bodies]);
}

function swapped(raw: Uint8Array, itemSize: number): Uint8Array {
  const copy = raw.slice();
  swapBytesInPlace(copy, itemSize);
  return copy;
}

/** Writes {@link writeSafetensors}'s bytes to `path` atomically. */
export function writeSafetensorsFile(
  path: string,
  tensors: Readonly<Record<string, SafetensorsTensorLike>> | ReadonlyMap<string, SafetensorsTensorLike>,
  metadata: Readonly<Record<string, string>> = {},
): void {
  writeFileAtomic(path, writeSafetensors(tensors, metadata));
}
