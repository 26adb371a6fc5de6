/**
 * TensorProto → runtime {@link Tensor}: size checks against dims, data from raw_data (little-endian)
 * or from the typed repeated fields, and external data read from files under a caller-given base
 * directory only.
 */
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { FormatError } from '../errors.js';
import { allocData, dtypeFromOnnx, RAW_BYTES, type DType, type Tensor, type TensorData } from './dtypes.js';
import { checkTensor, int64Value, toNumber } from '../onnx/index.js';
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

/**
 * Checks that a tensor's stored data matches its dims and type (the toolkit's one tensor checker),
 * that the runtime computes with its type, and that it fits `maxBytes`, without copying the data.
 * @throws FormatError on a size mismatch, an unsupported type, or external data left unresolved
 */
export function checkTensorProto(t: TensorProto, where: string, maxBytes: number): void {
  const dtype = dtypeFromOnnx(t.dataType ?? 0, where);
  const dims = tensorDims(t, where);
  let count = 1;
  for (const d of dims) count *= d;
  if (count * RAW_BYTES[dtype] > maxBytes) {
    throw new FormatError(`${where}: size must be at most ${maxBytes} bytes, got ${count * RAW_BYTES[dtype]} for dims [${dims.join(',')}]`);
  }
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
    const src: ArrayLike<number | { toNumber(): number }> =
      dtype === 'float32' ? t.floatData ?? [] : dtype === 'float64' ? t.doubleData ?? [] : dtype === 'int64' ? t.int64Data ?? [] : t.int32Data ?? [];
    for (let i = 0; i < count; i++) data[i] = int64Value(src[i]);
  }
  return { dtype, shape, data };
}

function fillFromRaw(data: TensorData, dtype: DType, raw: Uint8Array): void {
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
 * whose real path (symlinks resolved) stays inside `baseDir`.
 * @throws FormatError when refused or unreadable
 */
export function resolveExternalData(t: TensorProto, baseDir: string | undefined, where: string): void {
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
  const offset = Number(externalEntry(t, 'offset') ?? '0');
  const fileSize = statSync(real).size;
  const length = externalEntry(t, 'length') === undefined ? fileSize - offset : Number(externalEntry(t, 'length'));
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > fileSize) {
    throw new FormatError(`${where}: external data offset/length must lie within the ${fileSize}-byte file, got offset ${offset}, length ${length}`);
  }
  const buf = new Uint8Array(length);
  const fd = openSync(real, 'r');
  try {
    readSync(fd, buf, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  t.rawData = buf;
  t.dataLocation = 0;
  t.externalData = [];
}
