/**
 * dadm's ONNX runtime: a checked protobuf reader and a planned, allocation-free inference engine.
 * See docs/onnx.md "## Runtime".
 */
export { decodeModel, validateModel, IR_VERSION_RANGE, OPSET_RANGES, type DecodeOptions } from './decode-model.js';
export { loadOnnx, namingFile, readOnnxFile, type LoadOptions } from './load-onnx.js';
export { OnnxModel, type Feed, type InputSpec, type RunOutput } from './onnx-model.js';
export { SUPPORTED_OPS } from './ops/registry.js';
export { ParallelScorer, onnxRowTask, type ParallelScorerOptions } from './parallel-scorer.js';
export type { DType, TensorData } from './dtypes.js';
export type { ModelProto } from './proto-utils.js';
export { tensorFromProto } from './tensor-proto.js';
