/**
 * Parsing and validation of the safetensors header (https://github.com/huggingface/safetensors):
 * 8-byte little-endian u64 N, N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {str: str}}`, then the data buffer. Offsets are relative to the buffer; together the
 * tensors must cover it exactly (no holes, no overlaps). Every number is checked before it is used.
 */
import { FormatError, fmtShape } from '../errors.js';
import { FORMAT_LIMITS } from '../limits.js';

/** The element types dadm reads from safetensors files. F16/BF16 are decoded to float32 on read. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/**
 * Bytes per element and the rank of the dtype in the reference implementation's `Dtype` enum, which is
 * in increasing alignment order; writers sort by rank descending, then by name.
 */
export const SAFETENSORS_DTYPES: Readonly<Record<SafetensorsDtype, { size: number; rank: number }>> = {
  BOOL: { size: 1, rank: 0 },
  U8: { size: 1, rank: 1 },
  I8: { size: 1, rank: 2 },
  I16: { size: 2, rank: 3 },
  U16: { size: 2, rank: 4 },
  F16: { size: 2, rank: 5 },
  BF16: { size: 2, rank: 6 },
  I32: { size: 4, rank: 7 },
  U32: { size: 4, rank: 8 },
  F32: { size: 4, rank: 9 },
  F64: { size: 8, rank: 10 },
  I64: { size: 8, rank: 11 },
  U64: { size: 8, rank: 12 },
};

/** One validated header entry; `begin`/`end` are absolute byte offsets in the file. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** Larger headers are refused before they are parsed (see FORMAT_LIMITS). */
export const MAX_SAFETENSORS_HEADER = FORMAT_LIMITS.safetensorsHeaderBytes;

/**
 * Parses and validates the header of a safetensors file held in memory.
 * @throws FormatError naming `source` and the first problem found.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, source: string): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  const fail: (msg: string) => never = (msg) => {
    throw new FormatError(`${source}: ${msg}`, source);
  };
  if (bytes.length < 8) fail(`a safetensors file must start with an 8-byte header length, got ${bytes.length} bytes`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8) || n > BigInt(MAX_SAFETENSORS_HEADER) || n < 2n) {
    fail(`header length must be in [2, ${Math.min(bytes.length - 8, MAX_SAFETENSORS_HEADER)}] (file size ${bytes.length} - 8), got ${n} (not a safetensors file?)`);
  }
  const headerEnd = 8 + Number(n);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd));
  } catch {
    fail('header must be valid UTF-8, got invalid bytes');
  }
  if (!text.startsWith('{')) fail(`header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`header must be well-formed JSON, got ${(err as Error).message}`);
  }
  if (!isPlainObject(json)) return fail('header must be a JSON object, got another JSON value');
  const bufferLength = bytes.length - headerEnd;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(value, fail);
      continue;
    }
    const e = checkEntry(name, value, fail);
    const nbytes = e.shape.reduce((a, d) => a * d, 1) * SAFETENSORS_DTYPES[e.dtype].size;
    if (e.end > bufferLength) fail(`tensor '${name}' data_offsets must lie within the ${bufferLength}-byte data buffer, got [${e.begin}, ${e.end}]`);
    if (e.end - e.begin !== nbytes) {
      fail(`tensor '${name}' byte length must be prod(shape) * ${SAFETENSORS_DTYPES[e.dtype].size} = ${nbytes} for ${e.dtype} ${fmtShape(e.shape)}, got ${e.end - e.begin} (data_offsets [${e.begin}, ${e.end}])`);
    }
    entries.push({ ...e, begin: headerEnd + e.begin, end: headerEnd + e.end });
  }
  checkCoverage(entries, headerEnd, bytes.length, fail);
  return { entries, metadata };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMetadata(value: unknown, fail: (msg: string) => never): Record<string, string> {
  if (!isPlainObject(value)) return fail('__metadata__ must be an object of strings, got another JSON value');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`__metadata__ values must be strings, got ${JSON.stringify(v)} for '${k}'`);
  }
  return value as Record<string, string>;
}

function checkEntry(name: string, value: unknown, fail: (msg: string) => never): Omit<SafetensorsEntry, 'name'> & { name: string } {
  if (!isPlainObject(value)) return fail(`tensor '${name}' must be an object {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
  const keys = Object.keys(value).sort().join(',');
  if (keys !== 'data_offsets,dtype,shape') fail(`tensor '${name}' keys must be exactly data_offsets, dtype, shape, got ${keys}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPES, dtype)) {
    fail(`tensor '${name}' dtype must be one of ${Object.keys(SAFETENSORS_DTYPES).join(', ')}, got ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`tensor '${name}' shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  const okOffsets = Array.isArray(offsets) && offsets.length === 2 && offsets.every(isIndex) && offsets[0] <= offsets[1];
  if (!okOffsets) fail(`tensor '${name}' data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  const size = (shape as number[]).reduce((a, d) => a * d, 1);
  if (!Number.isSafeInteger(size * 8)) fail(`tensor '${name}' element count must be < 2^50, got shape ${fmtShape(shape as number[])}`);
  const [begin, end] = offsets as [number, number];
  return { name, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end };
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Sorted by offset, each tensor must start where the previous one ended, and the last end the file. */
function checkCoverage(entries: SafetensorsEntry[], start: number, fileLength: number, fail: (msg: string) => never): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = start;
  let prev: SafetensorsEntry | undefined;
  for (const e of sorted) {
    if (e.begin < at) {
      fail(`tensors must not overlap, got '${prev!.name}' [${prev!.begin - start}, ${prev!.end - start}) and '${e.name}' [${e.begin - start}, ${e.end - start})`);
    }
    if (e.begin > at) fail(`tensors must cover the data buffer without holes, got a hole at bytes [${at - start}, ${e.begin - start}) before '${e.name}'`);
    at = e.end;
    prev = e;
  }
  if (at !== fileLength) {
    fail(`tensors must cover the whole ${fileLength - start}-byte data buffer, got ${at - start} bytes covered (${fileLength - at} bytes unaccounted for)`);
  }
}
