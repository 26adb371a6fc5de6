/**
 * TensorProto → runtime {@link Tensor}: size checks against dims, data from raw_data (little-endian)
 * or from the typed repeated fields, and external data read from files under a caller-given base
 * directory only, through the checked open of src/io (regular files only, size checked first).
 */
import { closeSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { HOST_LITTLE_ENDIAN } from '../endian.js';
import { DadmError, FormatError, LimitError } from '../errors.js';
import { openInputFile } from '../io/input-file.js';
import { checkLimit, type ByteBudget, type Limits } from '../limits.js';
import { allocData, dtypeFromOnnx, RAW_BYTES, type DType, type Tensor, type TensorData } from './dtypes.js';
import { checkTensor, toNumber } from '../onnx/reader.js';
import type { TensorProto } from './proto-utils.js';

const EXTERNAL = 1;

/** Validated dims of a TensorProto. @throws FormatError for negative or non-integer dims */
export function tensorDims(t: TensorProto, where: string): number[] {
  const dims = (t.dims ?? []).map((d) => toNumber(d, where));
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new FormatError(`${where}: dims must be non-negative integers, got [${dims.join(',')}]`);
    }
  }
  return dims;
}

/** Bytes the tensor takes in memory (and in raw_data): prod(dims) × element size. @throws FormatError */
export function tensorByteLength(t: TensorProto, where: string): number {
  let count = 1;
  for (const d of tensorDims(t, where)) count *= d;
  return count * RAW_BYTES[dtypeFromOnnx(t.dataType ?? 0, where)];
}

/**
 * Checks that a tensor's stored data matches its dims and type (the toolkit's one tensor checker),
 * that the runtime computes with its type, and that it fits `limits.maxTensorBytes`, without copying
 * the data.
 * @throws FormatError on a size mismatch, an unsupported type, or external data left unresolved;
 *   LimitError when the tensor is larger than `limits.maxTensorBytes`
 */
export function checkTensorProto(t: TensorProto, where: string, limits: Limits): void {
  const dtype = dtypeFromOnnx(t.dataType ?? 0, where);
  const dims = tensorDims(t, where);
  let count = 1;
  for (const d of dims) count *= d;
  checkLimit(limits, 'maxTensorBytes', count * RAW_BYTES[dtype], where, `tensor ${dtype} [${dims.join(',')}]`);
  if (t.dataLocation === EXTERNAL) {
    throw new FormatError(`${where}: external data must be resolved with a baseDir, got location ${externalLocation(t)}`);
  }
  checkTensor(t, where, (message) => {
    throw new FormatError(message);
  });
}

/** Converts a checked TensorProto into a runtime tensor (copies the data). */
export function tensorFromProto(t: TensorProto, where: string): Tensor {
  const dtype = dtypeFromOnnx(t.dataType ?? 0, where);
  const shape = tensorDims(t, where);
  let count = 1;
  for (const d of shape) count *= d;
  const data = allocData(dtype, count);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    fillFromRaw(data, dtype, raw);
  } else {
    const src: ArrayLike<number> =
      dtype === 'float32' ? t.floatData ?? [] : dtype === 'float64' ? t.doubleData ?? [] : dtype === 'int64' ? t.int64Data ?? [] : t.int32Data ?? [];
    for (let i = 0; i < count; i++) data[i] = src[i] ?? 0;
  }
  return { dtype, shape, data };
}

function fillFromRaw(data: TensorData, dtype: DType, raw: Uint8Array): void {
  // On a little-endian host the bytes are the typed array's own: one copy, not a read per value (a
  // transformer's ~12,000 weights took ~3 ms of its start-up value by value).
  if (HOST_LITTLE_ENDIAN && (dtype === 'float32' || dtype === 'float64' || dtype === 'int32') && raw.byteLength === data.byteLength) {
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(raw);
    return;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = data.length;
  // DataView reads fix the byte order to little-endian (the ONNX raw_data order) on any host.
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
      break;
    case 'float64':
      for (let i = 0; i < n; i++) data[i] = view.getFloat64(8 * i, true);
      break;
    case 'int64':
      for (let i = 0; i < n; i++) data[i] = Number(view.getBigInt64(8 * i, true));
      break;
    case 'int32':
      for (let i = 0; i < n; i++) data[i] = view.getInt32(4 * i, true);
      break;
    case 'int8':
      for (let i = 0; i < n; i++) data[i] = view.getInt8(i);
      break;
    case 'uint8':
      data.set(raw);
      break;
    case 'bool':
      for (let i = 0; i < n; i++) data[i] = raw[i] ? 1 : 0;
      break;
  }
}

function externalEntry(t: TensorProto, key: string): string | undefined {
  return (t.externalData ?? []).find((e) => e.key === key)?.value ?? undefined;
}

function externalLocation(t: TensorProto): string {
  return JSON.stringify(externalEntry(t, 'location') ?? '');
}

/**
 * Reads a tensor's external data into raw_data. The location must be a relative path without `..`
 * whose real path (symlinks resolved) stays inside `baseDir`, naming a regular file (a directory,
 * device or FIFO is refused before it is read); `length` must be the tensor's size, fit the budget
 * (`maxTensorBytes` each, `maxTotalBytes` for all external data of a model), and lie within the file
 * with `offset`. All of this is checked before anything is read.
 * @throws FormatError when refused or unreadable; LimitError when the tensor is over the budget
 */
export function resolveExternalData(t: TensorProto, where: string, external: { baseDir: string | undefined; budget: ByteBudget }): void {
  const { baseDir, budget } = external;
  if (t.dataLocation !== EXTERNAL) return;
  const location = externalEntry(t, 'location') ?? '';
  if (baseDir === undefined) {
    throw new FormatError(`${where}: external data must be allowed by passing baseDir, got location ${JSON.stringify(location)}`);
  }
  if (location === '' || isAbsolute(location) || location.split(/[\\/]/).includes('..') || /^[a-zA-Z]:/.test(location)) {
    throw new FormatError(`${where}: external data location must be a relative path inside baseDir, got ${JSON.stringify(location)}`);
  }
  let root: string;
  let real: string;
  try {
    root = realpathSync(baseDir);
    real = realpathSync(resolve(root, location));
  } catch (e) {
    throw new FormatError(`${where}: external data file must exist, got ${JSON.stringify(location)} (${(e as Error).message})`);
  }
  if (!real.startsWith(root + sep)) {
    throw new FormatError(`${where}: external data must stay inside baseDir, got ${JSON.stringify(location)} resolving outside it`);
  }
  const expected = tensorByteLength(t, where);
  budget.reserve(expected, where, 'external data');
  const { fd, size } = openExternal(real, where);
  try {
    const offset = Number(externalEntry(t, 'offset') ?? '0');
    const length = externalEntry(t, 'length') === undefined ? size - offset : Number(externalEntry(t, 'length'));
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
      throw new FormatError(`${where}: external data offset/length must lie within the ${size}-byte file, got offset ${offset}, length ${length}`);
    }
    if (length !== expected) {
      throw new FormatError(`${where}: external data length must be ${expected} bytes for dims [${tensorDims(t, where).join(',')}], got ${length}`);
    }
    t.rawData = readAt(fd, length, offset);
  } finally {
    closeSync(fd);
  }
  t.dataLocation = 0;
  t.externalData = [];
}

/** The checked open of src/io, its refusals restated as this tensor's FormatError. */
function openExternal(path: string, where: string): { fd: number; size: number } {
  try {
    return openInputFile(path, { what: 'external data file', sizeLimit: null });
  } catch (e) {
    if (e instanceof LimitError || !(e instanceof DadmError)) throw e;
    throw new FormatError(`${where}: ${e.message}`);
  }
}

/** `length` bytes from `offset`, read in chunks (a single read stops below 2 GiB). */
function readAt(fd: number, length: number, offset: number): Uint8Array {
  const buf = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    const n = readSync(fd, buf, done, Math.min(length - done, 1 << 30), offset + done);
    if (n === 0) throw new FormatError(`external data: file must hold ${length} bytes at offset ${offset}, got ${done} (file shrank while read)`);
    done += n;
  }
  return buf;
}
