/**
 * The ONNX toolkit's narrow door for readers of models: the messages and codec, the int64 size check,
 * the tensor-data check and the model checker, without the builders and metadata that index.ts also
 * loads. The ONNX runtime imports this (docs/architecture.md, "Narrow doors").
 */
export { onnx, toNumber, hasField } from './proto.js';
export { checkTensor } from './check-tensor.js';
export { IR_VERSION_RANGE, MAX_IR_VERSION, OPSET_RANGES } from './opsets.js';
export { checkModel, type CheckPolicy, type TensorSite } from './check-model.js';
