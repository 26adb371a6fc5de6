/**
 * Every message and field of onnx.proto at IR version 10 (onnx 1.16,
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) as plain TypeScript interfaces and codec
 * tables. Property names are protobufjs's camelCase ones (`opsetImport`, `rawData`, …), as the
 * `onnx-proto` package used them. Fields of later IR versions are skipped as unknown fields.
 * The bulk number lists (tensor data, attribute `floats` and `ints`) decode into typed arrays; a
 * message built in code may hold them as number[] instead.
 */
import type { ByteList } from './byte-list.js';
import { array, byteList, defineMessage, list, msg, msgs, narrowArray, one, type FieldTable, type MessageSpec } from './codec.js';

/** The IR version of the onnx.proto these tables describe (onnx 1.16). */
export const SCHEMA_IR_VERSION = 10;

/** TensorProto.DataType: element types of tensors. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
  FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22,
} as const;

/** AttributeProto.AttributeType: which value field of an attribute is in use. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9,
  GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

/** TensorProto.DataLocation: inside the message, or in a file named by `externalData`. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

/** The name of an enum value (`enumName(DataType, 7)` is 'INT64'), or undefined for an unknown code. */
export function enumName(values: Readonly<Record<string, number>>, code: number): string | undefined {
  for (const name in values) if (values[name] === code) return name;
  return undefined;
}

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

export interface AttributeProto {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparseTensor?: SparseTensorProto;
  tp?: TypeProto;
  floats?: number[] | Float32Array;
  ints?: number[] | Float64Array | Int32Array;
  /** A ByteList when decoded with `compactLists` (the runtime), else one view per element. */
  strings?: Uint8Array[] | ByteList;
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparseTensors?: SparseTensorProto[];
  typeProtos?: TypeProto[];
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps?: StringStringEntryProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  docString?: string;
  metadataProps?: StringStringEntryProto[];
}

export interface TrainingInfoProto {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initializationBinding?: StringStringEntryProto[];
  updateBinding?: StringStringEntryProto[];
}

export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntryProto[];
  trainingInfo?: TrainingInfoProto[];
  functions?: FunctionProto[];
}

export interface TensorAnnotation {
  tensorName?: string;
  quantParameterTensorNames?: StringStringEntryProto[];
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: SparseTensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  quantizationAnnotation?: TensorAnnotation[];
  metadataProps?: StringStringEntryProto[];
}

/** TensorProto.Segment: the part of a large tensor this message stores. */
export interface TensorSegment {
  begin?: number;
  end?: number;
}

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  segment?: TensorSegment;
  floatData?: number[] | Float32Array;
  int32Data?: number[] | Int32Array;
  stringData?: Uint8Array[];
  int64Data?: number[] | Float64Array;
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: StringStringEntryProto[];
  dataLocation?: number;
  doubleData?: number[] | Float64Array;
  uint64Data?: number[] | Float64Array;
  metadataProps?: StringStringEntryProto[];
}

export interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims?: number[];
}

/** TensorShapeProto.Dimension: a size (`dimValue`) or a symbolic name (`dimParam`), at most one of them. */
export interface TensorShapeDimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim?: TensorShapeDimension[];
}

/** TypeProto.Tensor; TypeProto.SparseTensor has the same fields. */
export interface TypeProtoTensor {
  elemType?: number;
  shape?: TensorShapeProto;
}

/** TypeProto.Sequence and TypeProto.Optional: the wrapped element type. */
export interface TypeProtoElement {
  elemType?: TypeProto;
}

export interface TypeProtoMap {
  keyType?: number;
  valueType?: TypeProto;
}

/** One of `tensorType`, `sequenceType`, `mapType`, `optionalType`, `sparseTensorType` is set. */
export interface TypeProto {
  tensorType?: TypeProtoTensor;
  sequenceType?: TypeProtoElement;
  mapType?: TypeProtoMap;
  optionalType?: TypeProtoElement;
  sparseTensorType?: TypeProtoTensor;
  denotation?: string;
}

export interface FunctionProto {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attributeProto?: AttributeProto[];
  node?: NodeProto[];
  docString?: string;
  opsetImport?: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  valueInfo?: ValueInfoProto[];
  metadataProps?: StringStringEntryProto[];
}

// Field numbers and types exactly as in onnx.proto; the tables are typed by the interfaces above.
// 'int64Value' marks int64 data (attribute values, int64_data) that may hold INT64_MAX/MIN sentinels.
export const STRING_STRING_ENTRY: MessageSpec<StringStringEntryProto> = defineMessage<StringStringEntryProto>('StringStringEntryProto', {
  key: one(1, 'string'),
  value: one(2, 'string'),
});

export const OPERATOR_SET_ID: MessageSpec<OperatorSetIdProto> = defineMessage<OperatorSetIdProto>('OperatorSetIdProto', {
  domain: one(1, 'string'),
  version: one(2, 'int64'),
});

export const ATTRIBUTE_PROTO: MessageSpec<AttributeProto> = defineMessage<AttributeProto>('AttributeProto', {
  name: one(1, 'string'),
  f: one(2, 'float'),
  i: one(3, 'int64Value'),
  s: one(4, 'bytes'),
  t: msg(5, () => TENSOR_PROTO),
  g: msg(6, () => GRAPH_PROTO),
  floats: array(7, 'float'),
  ints: narrowArray(8, 'int64Value'),
  strings: byteList(9),
  tensors: msgs(10, () => TENSOR_PROTO),
  graphs: msgs(11, () => GRAPH_PROTO),
  docString: one(13, 'string'),
  tp: msg(14, () => TYPE_PROTO),
  typeProtos: msgs(15, () => TYPE_PROTO),
  type: one(20, 'int32'),
  refAttrName: one(21, 'string'),
  sparseTensor: msg(22, () => SPARSE_TENSOR_PROTO),
  sparseTensors: msgs(23, () => SPARSE_TENSOR_PROTO),
});

export const VALUE_INFO_PROTO: MessageSpec<ValueInfoProto> = defineMessage<ValueInfoProto>('ValueInfoProto', {
  name: one(1, 'string'),
  type: msg(2, () => TYPE_PROTO),
  docString: one(3, 'string'),
  metadataProps: msgs(4, () => STRING_STRING_ENTRY),
});

export const NODE_PROTO: MessageSpec<NodeProto> = defineMessage<NodeProto>('NodeProto', {
  input: list(1, 'string'),
  output: list(2, 'string'),
  name: one(3, 'string'),
  opType: one(4, 'string'),
  attribute: msgs(5, () => ATTRIBUTE_PROTO),
  docString: one(6, 'string'),
  domain: one(7, 'string'),
  overload: one(8, 'string'),
  metadataProps: msgs(9, () => STRING_STRING_ENTRY),
});

export const TRAINING_INFO_PROTO: MessageSpec<TrainingInfoProto> = defineMessage<TrainingInfoProto>('TrainingInfoProto', {
  initialization: msg(1, () => GRAPH_PROTO),
  algorithm: msg(2, () => GRAPH_PROTO),
  initializationBinding: msgs(3, () => STRING_STRING_ENTRY),
  updateBinding: msgs(4, () => STRING_STRING_ENTRY),
});

export const MODEL_PROTO: MessageSpec<ModelProto> = defineMessage<ModelProto>('ModelProto', {
  irVersion: one(1, 'int64'),
  producerName: one(2, 'string'),
  producerVersion: one(3, 'string'),
  domain: one(4, 'string'),
  modelVersion: one(5, 'int64'),
  docString: one(6, 'string'),
  graph: msg(7, () => GRAPH_PROTO),
  opsetImport: msgs(8, () => OPERATOR_SET_ID),
  metadataProps: msgs(14, () => STRING_STRING_ENTRY),
  trainingInfo: msgs(20, () => TRAINING_INFO_PROTO),
  functions: msgs(25, () => FUNCTION_PROTO),
});

export const TENSOR_ANNOTATION: MessageSpec<TensorAnnotation> = defineMessage<TensorAnnotation>('TensorAnnotation', {
  tensorName: one(1, 'string'),
  quantParameterTensorNames: msgs(2, () => STRING_STRING_ENTRY),
});

export const GRAPH_PROTO: MessageSpec<GraphProto> = defineMessage<GraphProto>('GraphProto', {
  node: msgs(1, () => NODE_PROTO),
  name: one(2, 'string'),
  initializer: msgs(5, () => TENSOR_PROTO),
  docString: one(10, 'string'),
  input: msgs(11, () => VALUE_INFO_PROTO),
  output: msgs(12, () => VALUE_INFO_PROTO),
  valueInfo: msgs(13, () => VALUE_INFO_PROTO),
  quantizationAnnotation: msgs(14, () => TENSOR_ANNOTATION),
  sparseInitializer: msgs(15, () => SPARSE_TENSOR_PROTO),
  metadataProps: msgs(16, () => STRING_STRING_ENTRY),
});

export const TENSOR_SEGMENT: MessageSpec<TensorSegment> = defineMessage<TensorSegment>('TensorProto.Segment', {
  begin: one(1, 'int64'),
  end: one(2, 'int64'),
});

export const TENSOR_PROTO: MessageSpec<TensorProto> = defineMessage<TensorProto>('TensorProto', {
  dims: list(1, 'int64'),
  dataType: one(2, 'int32'),
  segment: msg(3, () => TENSOR_SEGMENT),
  floatData: array(4, 'float'),
  int32Data: array(5, 'int32'),
  stringData: list(6, 'bytes'),
  int64Data: array(7, 'int64Value'),
  name: one(8, 'string'),
  rawData: one(9, 'bytes'),
  doubleData: array(10, 'double'),
  uint64Data: array(11, 'uint64'),
  docString: one(12, 'string'),
  externalData: msgs(13, () => STRING_STRING_ENTRY),
  dataLocation: one(14, 'int32'),
  metadataProps: msgs(16, () => STRING_STRING_ENTRY),
});

export const SPARSE_TENSOR_PROTO: MessageSpec<SparseTensorProto> = defineMessage<SparseTensorProto>('SparseTensorProto', {
  values: msg(1, () => TENSOR_PROTO),
  indices: msg(2, () => TENSOR_PROTO),
  dims: list(3, 'int64'),
});

export const TENSOR_SHAPE_DIMENSION: MessageSpec<TensorShapeDimension> = defineMessage<TensorShapeDimension>(
  'TensorShapeProto.Dimension',
  { dimValue: one(1, 'int64'), dimParam: one(2, 'string'), denotation: one(3, 'string') },
  ['dimValue', 'dimParam'],
);

export const TENSOR_SHAPE_PROTO: MessageSpec<TensorShapeProto> = defineMessage<TensorShapeProto>('TensorShapeProto', {
  dim: msgs(1, () => TENSOR_SHAPE_DIMENSION),
});

// Tensor and SparseTensor, Sequence and Optional have the same fields; separate specs name them in errors.
const TENSOR_TYPE_FIELDS: FieldTable<TypeProtoTensor> = { elemType: one(1, 'int32'), shape: msg(2, () => TENSOR_SHAPE_PROTO) };
const ELEMENT_TYPE_FIELDS: FieldTable<TypeProtoElement> = { elemType: msg(1, () => TYPE_PROTO) };
export const TYPE_PROTO_TENSOR: MessageSpec<TypeProtoTensor> = defineMessage('TypeProto.Tensor', TENSOR_TYPE_FIELDS);
export const TYPE_PROTO_SPARSE_TENSOR: MessageSpec<TypeProtoTensor> = defineMessage('TypeProto.SparseTensor', TENSOR_TYPE_FIELDS);
export const TYPE_PROTO_SEQUENCE: MessageSpec<TypeProtoElement> = defineMessage('TypeProto.Sequence', ELEMENT_TYPE_FIELDS);
export const TYPE_PROTO_OPTIONAL: MessageSpec<TypeProtoElement> = defineMessage('TypeProto.Optional', ELEMENT_TYPE_FIELDS);

export const TYPE_PROTO_MAP: MessageSpec<TypeProtoMap> = defineMessage<TypeProtoMap>('TypeProto.Map', {
  keyType: one(1, 'int32'),
  valueType: msg(2, () => TYPE_PROTO),
});

export const TYPE_PROTO: MessageSpec<TypeProto> = defineMessage<TypeProto>(
  'TypeProto',
  {
    tensorType: msg(1, () => TYPE_PROTO_TENSOR),
    sequenceType: msg(4, () => TYPE_PROTO_SEQUENCE),
    mapType: msg(5, () => TYPE_PROTO_MAP),
    denotation: one(6, 'string'),
    sparseTensorType: msg(8, () => TYPE_PROTO_SPARSE_TENSOR),
    optionalType: msg(9, () => TYPE_PROTO_OPTIONAL),
  },
  ['tensorType', 'sequenceType', 'mapType', 'sparseTensorType', 'optionalType'],
);

export const FUNCTION_PROTO: MessageSpec<FunctionProto> = defineMessage<FunctionProto>('FunctionProto', {
  name: one(1, 'string'),
  input: list(4, 'string'),
  output: list(5, 'string'),
  attribute: list(6, 'string'),
  node: msgs(7, () => NODE_PROTO),
  docString: one(8, 'string'),
  opsetImport: msgs(9, () => OPERATOR_SET_ID),
  domain: one(10, 'string'),
  attributeProto: msgs(11, () => ATTRIBUTE_PROTO),
  valueInfo: msgs(12, () => VALUE_INFO_PROTO),
  overload: one(13, 'string'),
  metadataProps: msgs(14, () => STRING_STRING_ENTRY),
});
