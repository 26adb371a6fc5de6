/**
 * Model kinds behind one contract (kind.ts), their registry, dadm's checkpoint file and the one
 * detector type for checkpoints and ONNX files. See docs/architecture.md "Adding a model kind".
 */
export {
  itemSize,
  THRESHOLD_METHODS,
  type ModelKindHandler,
  type FittedModel,
  type TrainContext,
  type TrainingRun,
  type StoredModel,
  type ModelState,
  type OnnxExportContext,
  type ExplainHooks,
  type InputForm,
  type InputShape,
  type ThresholdMethod,
  type EpochRecord,
  type ParallelScoreKernel,
} from './kind.js';
export { MODEL_KINDS, modelKind, modelKinds, kindOfOnnxName } from './registry.js';
export {
  readCheckpoint,
  readCheckpointFile,
  checkpointParts,
  checkpointBytes,
  storedFromState,
  schemaRecord,
  parseJson,
  quotedList,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  CHECKSUM_KEY,
  type ParsedCheckpoint,
  type CheckpointHeader,
} from './checkpoint.js';
export { loadCheckpoint, checkpointDetector, type DetectorModel, type CheckpointDetector } from './detector.js';
export { loadOnnxDetector, isOnnxPath, decodeModelFile, readModelBytes, type OnnxDetector } from './onnx-detector.js';
export { loadDetector, loadKnownDetector, type KnownDetector } from './load-detector.js';
export { autoencoderKind, AutoencoderModel, type AutoencoderArchitecture } from './autoencoder/index.js';
export { iforestKind, IforestModel, rawThresholdFor } from './iforest/index.js';
