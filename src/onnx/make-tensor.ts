/**
 * `makeTensor`: one TensorProto from JS values, always in the same bytes (numbers go to `raw_data`
 * little-endian, strings to `string_data` as UTF-8).
 */
import { DataError, InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { type DataTypeName, dataTypeCode, dataTypeFacts } from './data-types.js';
import { onnx } from './proto.js';

/** Values accepted by {@link makeTensor}: numbers (typed arrays too), bigints, booleans or strings. */
export type TensorValues =
  | ArrayLike<number>
  | ArrayLike<bigint>
  | ArrayLike<boolean>
  | readonly string[];

/** Options of {@link makeTensor}. Give exactly one of `values` and `rawData`. */
export interface MakeTensorOptions {
  name: string;
  dataType: DataTypeName;
  /** shape, non-negative integers; `[]` is a scalar (one value) */
  dims: readonly number[];
  /** prod(dims) values in row-major order */
  values?: TensorValues;
  /** prod(dims) * element size bytes, little-endian (not for 'string') */
  rawData?: Uint8Array;
  docString?: string;
}

/** Integer ranges for the checked integer types (int64/uint64 are checked as bigints). */
const INT_RANGES: Readonly<Partial<Record<DataTypeName, readonly [number, number]>>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
const INT64_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const UINT64_RANGE = [0n, 2n ** 64n - 1n] as const;

/**
 * Builds a TensorProto (an initializer or an attribute value), in the spirit of onnx.helper.make_tensor.
 * Numeric values are written to `raw_data` as little-endian bytes, so the same values always give the
 * same bytes; `float32` values are rounded to float32 (`Math.fround`), `bool` accepts true/false or 0/1.
 * @throws InvalidOptionError for an unknown data type, both/neither of values and rawData, bad dims,
 *   or float16 values not given as rawData.
 * @throws ShapeError when the number of values (or raw bytes) does not match prod(dims).
 * @throws DataError when a value does not fit the data type (non-integer, out of range, wrong JS type).
 */
export function makeTensor(options: MakeTensorOptions): onnx.TensorProto {
  const { name, dataType, dims, values, rawData, docString } = options;
  const where = `makeTensor '${name}'`;
  const code = dataTypeCode(dataType, where);
  const count = checkedElementCount(dims, where);
  if ((values === undefined) === (rawData === undefined)) {
    throw new InvalidOptionError(
      `${where}: exactly one of values and rawData must be given, got ${values === undefined ? 'neither' : 'both'}`,
      'values',
    );
  }
  const props: onnx.TensorProto = { name, dataType: code, dims: dims.slice() };
  if (docString !== undefined) props.docString = docString;
  if (rawData !== undefined) {
    const size = dataTypeFacts(code)?.size ?? 0;
    if (size === 0) {
      throw new InvalidOptionError(
        `${where}: rawData must not be used for data type '${dataType}', got ${rawData.length} bytes`,
        'rawData',
      );
    }
    if (rawData.length !== count * size) {
      throw new ShapeError(
        `${where}: rawData length must be prod(dims) * ${size} = ${count * size} bytes for dims ${fmtShape(dims)}, got ${rawData.length}`,
        'makeTensor', [dims],
      );
    }
    if (count > 0) props.rawData = rawData.slice();
    return props;
  }
  const vals = values as TensorValues;
  if (vals.length !== count) {
    throw new ShapeError(
      `${where}: number of values must equal prod(dims) = ${count} for dims ${fmtShape(dims)}, got ${vals.length}`,
      'makeTensor', [dims],
    );
  }
  if (count === 0) return props;
  if (dataType === 'string') props.stringData = encodeStrings(vals, where);
  else if (dataType === 'float16') {
    throw new InvalidOptionError(`${where}: float16 data must be given as rawData, got values`, 'values');
  } else props.rawData = encodeRaw(dataType, vals, where);
  return props;
}

/** prod(dims) after checking every dim is a non-negative safe integer. */
export function checkedElementCount(dims: readonly number[], where: string): number {
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new InvalidOptionError(`${where}: dims must be non-negative integers, got ${fmtShape(dims)}`, 'dims');
    }
    count *= d;
  }
  return count;
}

function encodeStrings(vals: TensorValues, where: string): Uint8Array[] {
  const encoder = new TextEncoder();
  const out: Uint8Array[] = [];
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (typeof v !== 'string') throw new DataError(`${where}: value ${i} must be a string, got ${typeof v}`, where);
    out.push(encoder.encode(v));
  }
  return out;
}

function encodeRaw(dataType: DataTypeName, vals: TensorValues, where: string): Uint8Array {
  const size = dataTypeFacts(dataTypeCode(dataType, where))?.size ?? 0;
  const bytes = new Uint8Array(vals.length * size);
  const view = new DataView(bytes.buffer);
  const n = vals.length;
  if (dataType === 'int64' || dataType === 'uint64') {
    const [lo, hi] = dataType === 'int64' ? INT64_RANGE : UINT64_RANGE;
    for (let i = 0; i < n; i++) {
      const v = toBigInt(vals[i], i, where);
      if (v < lo || v > hi) throw new DataError(`${where}: value ${i} must fit ${dataType}, got ${v}`, where);
      if (dataType === 'int64') view.setBigInt64(i * 8, v, true);
      else view.setBigUint64(i * 8, v, true);
    }
    return bytes;
  }
  if (dataType === 'bool') {
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      if (v !== true && v !== false && v !== 0 && v !== 1) {
        throw new DataError(`${where}: value ${i} must be a boolean or 0/1, got ${String(v)}`, where);
      }
      bytes[i] = v === true || v === 1 ? 1 : 0;
    }
    return bytes;
  }
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (typeof v !== 'number') throw new DataError(`${where}: value ${i} must be a number, got ${typeof v}`, where);
  }
  const nums = vals as ArrayLike<number>;
  if (dataType === 'float32') for (let i = 0; i < n; i++) view.setFloat32(i * 4, nums[i]!, true);
  else if (dataType === 'float64') for (let i = 0; i < n; i++) view.setFloat64(i * 8, nums[i]!, true);
  else writeInts(dataType, nums, view, where);
  return bytes;
}

function writeInts(dataType: DataTypeName, nums: ArrayLike<number>, view: DataView, where: string): void {
  const range = INT_RANGES[dataType];
  if (range === undefined) {
    throw new InvalidOptionError(
      `${where}: data type must support values, got '${dataType}'`,
      'dataType',
    );
  }
  const [lo, hi] = range;
  for (let i = 0; i < nums.length; i++) {
    const v = nums[i]!;
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new DataError(`${where}: value ${i} must be an integer in [${lo}, ${hi}] for ${dataType}, got ${v}`, where);
    }
    if (dataType === 'int8') view.setInt8(i, v);
    else if (dataType === 'uint8') view.setUint8(i, v);
    else if (dataType === 'int16') view.setInt16(i * 2, v, true);
    else if (dataType === 'uint16') view.setUint16(i * 2, v, true);
    else if (dataType === 'int32') view.setInt32(i * 4, v, true);
    else view.setUint32(i * 4, v, true);
  }
}

function toBigInt(v: unknown, i: number, where: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new DataError(`${where}: value ${i} must be a bigint or a safe integer, got ${String(v)}`, where);
}
