/**
 * The ONNX protobuf toolkit shared by the writer, the quantizer and the runtime: the message classes,
 * the one int64 conversion, pure `make*` builders (in the spirit of onnx/helper.py), deterministic
 * encoding, the structural checker (onnx.checker's checks and a few more), readers for attributes,
 * the metadata keys dadm writes, and the versions it writes. Depends only on errors and dadm's own
 * protobuf codec (src/protobuf), so the edge runtime can use it. See docs/onnx.md, section "Writer".
 */
export {
  onnx,
  toNumber,
  hasField,
  findAttribute,
  intAttributeValue,
  floatAttributeValue,
  cloneModel,
} from './proto.js';
export { type DataTypeName, DATA_TYPE_CODES, dataTypeCode } from './data-types.js';
export { makeTensor, type MakeTensorOptions, type TensorValues } from './make-tensor.js';
export {
  TypedAttribute,
  type AttributeValue,
  makeAttribute,
  attrFloat,
  attrInt,
  attrString,
  attrTensor,
  attrGraph,
  attrFloats,
  attrInts,
  attrStrings,
  attrTensors,
  attrGraphs,
} from './attributes.js';
export { makeNode, type MakeNodeOptions } from './make-node.js';
export { makeValueInfo, makeGraph, type Dim, type MakeGraphOptions } from './make-graph.js';
export { makeModel, encodeModel, type MakeModelOptions, type OpsetId } from './make-model.js';
export { ONNX_DOMAIN, ML_DOMAIN, DEFAULT_IR_VERSION, DEFAULT_OPSET_VERSION, MAX_IR_VERSION, MAX_OPSET_VERSION, EXPORT_OPSET_RANGE, IR_VERSION_RANGE, OPSET_RANGES, checkExportOpset } from './opsets.js';
export { checkModel, WRITTEN_POLICY, type CheckPolicy, type TensorSite } from './check-model.js';
export { checkTensor } from './check-tensor.js';
export { GraphBuilder, type AddNodeOptions } from './graph-builder.js';
export { modelMetadata, METADATA_KEYS, type ModelMetadataFields } from './metadata.js';
