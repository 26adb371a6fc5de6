/**
 * Model kinds behind one contract (kind.ts), their registry, dadm's checkpoint file and the one
 * detector type for checkpoints and ONNX files. See docs/architecture.md "Adding a model kind".
 */
export {
  itemSize,
  kernelScoreFn,
  THRESHOLD_METHODS,
  type ModelKindHandler,
  type FittedModel,
  type TrainContext,
  type TrainingRun,
  type StoredModel,
  type ModelState,
  type OnnxExportContext,
  type ExplainHooks,
  type WindowExplainHooks,
  type InputForm,
  type InputShape,
  type ThresholdMethod,
  type EpochRecord,
  type ParallelScoreKernel,
  type FittedStatistic,
  type StatisticSums,
} from './kind.js';
export { MODEL_KINDS, modelKind, modelKinds, kindOfOnnxName } from './registry.js';
export {
  readCheckpoint,
  readCheckpointFile,
  checkpointParts,
  checkpointBytes,
  signedCheckpoint,
  sameTraining,
  storedFromState,
  schemaRecord,
  parseJson,
  quotedList,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  CHECKSUM_KEY,
  CHECKPOINT_CHECKSUM_KEY,
  checkpointDigest,
  type ParsedCheckpoint,
  type CheckpointHeader,
} from './checkpoint.js';
export { loadCheckpoint, checkpointDetector, type DetectorModel, type CheckpointDetector } from './detector.js';
export { loadOnnxDetector, isOnnxPath, decodeModelFile, type OnnxDetector } from './onnx-detector.js';
export { loadDetector, loadKnownDetector, type KnownDetector } from './load-detector.js';
export { autoencoderKind, AutoencoderModel, type AutoencoderArchitecture } from './autoencoder/index.js';
export { iforestKind, IforestModel } from './iforest/index.js';
export { ecodKind, EcodModel } from './ecod/index.js';
export { ensembleKind, EnsembleModel, memberConfig, type EnsembleMember, type EnsembleRecord } from './ensemble/index.js';
export { rawThresholdFor, foldScalerIntoSteps } from './scaler-fold.js';
export {
  transformerKind,
  TransformerModel,
  TransformerDetector,
  transformerOptions,
  loadTransformer,
  TRANSFORMER_DEFAULTS,
  windowCoalitionScore,
  stepAttribution,
  type TransformerOptions,
  type TransformerFitSummary,
  type WindowExplainInputs,
} from './transformer/index.js';
