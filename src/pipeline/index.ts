/**
 * The pipeline steps shared by the CLI and the library: synthetic data, streamed training of an
 * autoencoder or isolation forest, checkpoints, scoring and the demo. Nothing here prints; progress
 * comes through `onProgress` callbacks. See docs/pipeline.md and docs/library.md.
 */
export { generateData, MAX_GENERATED_ROWS, type GenerateDataOptions, type GenerateDataResult } from './generate-data.js';
export { train, type TrainOptions, type TrainResult, type TrainMetrics } from './train.js';
export type { EpochRecord } from './train-autoencoder.js';
export { score, readLabels, type ScoreOptions, type ScoreResult, type LabelMetrics } from './score.js';
export { loadCheckpoint, type DetectorModel } from './load-checkpoint.js';
export { readCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, type ThresholdMethod, type ParsedCheckpoint, type CheckpointHeader } from './checkpoint.js';
export { demoExplain, type DemoExplainOptions, type DemoExplainResult, type DemoExplainMethodResult, type DemoExplainedRow, type AttackHitRate } from './demo-explain.js';
export { demo, DEMO_STEPS, type DemoOptions, type DemoSummary, type DemoStep } from './demo.js';
export { splitRows, type RowSplit } from './row-split.js';
export { DRIFT_BINS, DRIFT_FLOOR } from './drift-reference.js';
export type { ProgressEvent, ProgressCallback, RowsProgress, StepProgress, EpochProgress, StageProgress } from './progress.js';
export type { AutoencoderArchitecture } from './autoencoder-model.js';
export {
  parseConfig,
  loadConfig,
  mergeConfig,
  configToYaml,
  defaultConfig,
  defaultConfigYaml,
  type DadmConfig,
  type PartialDadmConfig,
  type ModelKind,
  type SchemaMode,
  type ActivationKind,
  type OptimizerKind,
  type ExplainMethod,
} from './config.js';
// Steps added by later issues (each also owns a src/cli/<name>.ts command).
export { drift, type DriftOptions, type DriftResult, type FeatureDriftRow, type ScoreDriftRow } from './drift.js';
export type { DriftStatus } from './drift-status.js';
export { readDriftReference, DRIFT_REFERENCE_FORMAT, DRIFT_REFERENCE_VERSION, type DriftReference } from './drift-reference-file.js';
export { exportOnnx, type ExportOnnxOptions, type ExportOnnxResult } from './export-onnx.js';
export { quantizeModel, type QuantizeModelOptions, type QuantizeModelResult, type QuantizeCheck } from './quantize.js';
export { explain, type ExplainOptions, type ExplainResult, type ExplainedRow, type ExplainedFeature } from './explain.js';
export { loadOnnxDetector, isOnnxPath, type OnnxDetector } from './onnx-scorer.js';
export { inspectModel, type ModelInfo, type TensorInfo } from './inspect.js';
export { report, buildReportData, type ReportOptions, type ReportResult } from './report.js';
