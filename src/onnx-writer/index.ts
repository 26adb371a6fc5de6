/**
 * ONNX writer: pure `make*` builders for ONNX protobuf messages (in the spirit of onnx/helper.py),
 * deterministic encoding, a structural checker (onnx.checker's checks and a few more), and a
 * GraphBuilder for exporters. See docs/onnx.md, section "Writer".
 */
export { onnx, toNumber, type LongLike } from './proto.js';
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
export {
  makeModel,
  encodeModel,
  type MakeModelOptions,
  type OpsetId,
  ONNX_DOMAIN,
  ML_DOMAIN,
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET_VERSION,
  MAX_IR_VERSION,
} from './make-model.js';
export { checkModel } from './check-model.js';
export { GraphBuilder, type AddNodeOptions } from './graph-builder.js';
export { type ExportOptions, EXPORT_OPSET_RANGE } from './export-options.js';
export {
  exportAutoencoder,
  type AutoencoderExportSpec,
  type AutoencoderExportOptions,
  type AutoencoderLayerSpec,
  type AutoencoderScalerSpec,
  type AutoencoderActivation,
} from './export-autoencoder.js';
export { exportIsolationForest, type IsolationForestExportOptions } from './export-isolation-forest.js';
export { floatThresholdBelow, nextDownFloat32 } from './export-float-threshold.js';
export { modelMetadata, METADATA_KEYS, type ModelMetadataFields } from './export-metadata.js';
export { exportEcod, ecodStepTrees, type EcodExportOptions } from './export-ecod.js';
export { addStepTreeEnsemble, stepTreeNodes, type StepTree, type StepTreeEnsembleOptions } from './export-step-trees.js';
