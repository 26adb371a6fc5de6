/**
 * ONNX tensor element types by their dadm names, and the per-type facts the builders and the checker
 * need: the `TensorProto.DataType` code, the byte size in `raw_data`, and the typed value field.
 */
import { InvalidOptionError } from '../errors.js';
import { onnx } from './proto.js';

/** Element type names accepted by the builders (NumPy spelling). */
export type DataTypeName =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'float16';

const DT = onnx.DataType;

/** `TensorProto.DataType` code of each name. */
export const DATA_TYPE_CODES: Readonly<Record<DataTypeName, number>> = {
  float32: DT.FLOAT,
  float64: DT.DOUBLE,
  int8: DT.INT8,
  uint8: DT.UINT8,
  int16: DT.INT16,
  uint16: DT.UINT16,
  int32: DT.INT32,
  uint32: DT.UINT32,
  int64: DT.INT64,
  uint64: DT.UINT64,
  bool: DT.BOOL,
  string: DT.STRING,
  float16: DT.FLOAT16,
};

/** The typed (non-raw) value field of a TensorProto. */
export type TensorValueField =
  | 'floatData'
  | 'int32Data'
  | 'stringData'
  | 'int64Data'
  | 'doubleData'
  | 'uint64Data';

interface DataTypeFacts {
  /** bytes per element in `raw_data`; 0 for STRING (not allowed in raw_data) */
  readonly size: number;
  /** field that holds the values when `raw_data` is not used */
  readonly field: TensorValueField;
  /** entries of `field` per element (2 for complex numbers) */
  readonly perElement: number;
}

/** Facts for every data type code of onnx 1.10 except UNDEFINED, keyed by code. */
const FACTS: ReadonlyMap<number, DataTypeFacts> = new Map<number, DataTypeFacts>([
  [DT.FLOAT, { size: 4, field: 'floatData', perElement: 1 }],
  [DT.UINT8, { size: 1, field: 'int32Data', perElement: 1 }],
  [DT.INT8, { size: 1, field: 'int32Data', perElement: 1 }],
  [DT.UINT16, { size: 2, field: 'int32Data', perElement: 1 }],
  [DT.INT16, { size: 2, field: 'int32Data', perElement: 1 }],
  [DT.INT32, { size: 4, field: 'int32Data', perElement: 1 }],
  [DT.INT64, { size: 8, field: 'int64Data', perElement: 1 }],
  [DT.STRING, { size: 0, field: 'stringData', perElement: 1 }],
  [DT.BOOL, { size: 1, field: 'int32Data', perElement: 1 }],
  [DT.FLOAT16, { size: 2, field: 'int32Data', perElement: 1 }],
  [DT.DOUBLE, { size: 8, field: 'doubleData', perElement: 1 }],
  [DT.UINT32, { size: 4, field: 'uint64Data', perElement: 1 }],
  [DT.UINT64, { size: 8, field: 'uint64Data', perElement: 1 }],
  [DT.COMPLEX64, { size: 8, field: 'floatData', perElement: 2 }],
  [DT.COMPLEX128, { size: 16, field: 'doubleData', perElement: 2 }],
  [DT.BFLOAT16, { size: 2, field: 'int32Data', perElement: 1 }],
]);

/** Facts of a data type code, or undefined for UNDEFINED / unknown codes. */
export function dataTypeFacts(code: number): DataTypeFacts | undefined {
  return FACTS.get(code);
}

/**
 * The `TensorProto.DataType` code for a dadm type name.
 * @throws InvalidOptionError for an unknown name.
 */
export function dataTypeCode(name: DataTypeName, where: string): number {
  const code = Object.prototype.hasOwnProperty.call(DATA_TYPE_CODES, name)
    ? DATA_TYPE_CODES[name]
    : undefined;
  if (code === undefined) {
    const known = Object.keys(DATA_TYPE_CODES).join(', ');
    throw new InvalidOptionError(`${where}: data type must be one of ${known}, got '${String(name)}'`, 'dataType');
  }
  return code;
}

/** Printable name of a data type code (`FLOAT`, `INT64`, …) for messages. */
export function dataTypeLabel(code: number): string {
  return onnx.enumName(DT, code) ?? `code ${code}`;
}
