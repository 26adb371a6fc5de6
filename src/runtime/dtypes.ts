/**
 * Element types the runtime computes with and how each is stored. ONNX int64 is stored in a
 * Float64Array: every integer up to 2^53 is exact, and the INT64_MAX sentinels that exporters put in
 * Slice `ends` become a large float that still clamps correctly. Bool is a Uint8Array of 0/1.
 */
import { FormatError } from '../errors.js';
import { onnx } from '../onnx/reader.js';

const DT = onnx.DataType;

/** A runtime element type. */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** The typed array that holds a tensor of any {@link DType}. */
export type TensorData = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

/** A tensor as the runtime passes it around: flat row-major data plus shape. */
export interface Tensor {
  dtype: DType;
  shape: readonly number[];
  data: TensorData;
}

const FROM_ONNX: Partial<Record<number, DType>> = {
  [DT.FLOAT]: 'float32',
  [DT.DOUBLE]: 'float64',
  [DT.INT64]: 'int64',
  [DT.INT32]: 'int32',
  [DT.INT8]: 'int8',
  [DT.UINT8]: 'uint8',
  [DT.BOOL]: 'bool',
};

/** Bytes per element in ONNX raw_data (little-endian) for each dtype. */
export const RAW_BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** Maps an ONNX `TensorProto.DataType` number to a runtime dtype. @throws FormatError if unsupported */
export function dtypeFromOnnx(code: number, where: string): DType {
  const dt = FROM_ONNX[code];
  if (dt === undefined) {
    const name = onnx.enumName(onnx.DataType, code) ?? 'unknown';
    throw new FormatError(
      `${where}: data_type must be one of FLOAT, DOUBLE, INT64, INT32, INT8, UINT8, BOOL, got ${name} (${code})`,
    );
  }
  return dt;
}

/** A zero-filled array able to hold `size` elements of `dtype`. */
export function allocData(dtype: DType, size: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
    case 'int64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'int8':
      return new Int8Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
  }
}

/** True for dtypes whose arithmetic is integer (division truncates). */
export function isIntegerDType(dtype: DType): boolean {
  return dtype !== 'float32' && dtype !== 'float64';
}
