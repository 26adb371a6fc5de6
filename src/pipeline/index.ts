/**
 * The commands the CLI and the library share, one file (or folder) each: gen-data, train, score,
 * export-onnx, quantize, drift, explain, inspect, federated simulation and the demo. They work on any registered model
 * kind through src/models; nothing here prints (progress comes through `onProgress` callbacks).
 * See docs/pipeline.md and docs/library.md.
 *
 * The config, checkpoint and detector names every caller of the steps needs are re-exported from
 * their homes (src/config, src/models, src/data) so that `import { train, loadConfig } from
 * '.../pipeline/index.js'` keeps working.
 */
export { generateData, MAX_GENERATED_ROWS, type GenerateDataOptions, type GenerateDataResult } from './generate-data.js';
export { writeSequenceFiles, type SequenceFilesOptions, type SequenceFilesResult } from './generate-sequences.js';
export { train, type TrainOptions, type TrainResult, type TrainMetrics } from './train.js';
export { fitModel, fitCheckpointBytes, type FitModelOptions, type FittedRun, type RunThreshold } from './fit-model.js';
export { score, readLabels, OPERATING_FPRS, type ScoreOptions, type ScoreCompute, type ScoreResult, type LabelMetrics } from './score.js';
export { scoreStream, scoreTransform, type StreamRecord, type StreamResult, type ScoreStreamOptions } from './score-stream/score-stream.js';
export { scoreLines, MAX_LINE_CHARS, type LineFormat, type ScoreLinesOptions, type ScoreLinesResult } from './score-stream/score-lines.js';
export { STREAM_BATCH_ROWS, type StreamScore, type StreamScorerOptions } from './score-stream/stream-scorer.js';
export { demoExplain, type DemoExplainOptions, type DemoExplainResult, type DemoExplainMethodResult, type DemoExplainedRow, type AttackHitRate } from './demo/demo-explain.js';
export { demo, DEMO_STEPS, type DemoOptions, type DemoSummary, type DemoStep } from './demo/demo.js';
export { drift, type DriftOptions, type DriftResult, type FeatureDriftRow, type ScoreDriftRow } from './drift/drift.js';
export type { DriftStatus } from './drift/status.js';
export { plural } from './drift/status.js';
export { DRIFT_BINS, DRIFT_FLOOR } from './drift/reference.js';
export { readDriftReference, DRIFT_REFERENCE_FORMAT, DRIFT_REFERENCE_VERSION, type DriftReference, type DriftReferenceReadOptions } from './drift/reference-file.js';
export { exportOnnx, checkedOnnx, EXPORT_OPSET_RANGE, type ExportOnnxOptions, type ExportOnnxResult, type CheckedOnnx } from './export-onnx.js';
export { quantizeModel, type QuantizeModelOptions, type QuantizeModelResult, type QuantizeCheck } from './quantize.js';
export { explain, type ExplainOptions, type ExplainResult, type ExplainedRow, type ExplainedFeature } from './explain.js';
export { simulate as simulateFederated, type SimulateOptions, type SimulateResult, type SimulatedRound } from './federated/simulate.js';
export { evaluate, EVALUATED_KINDS, type EvaluateOptions, type EvaluateResult, type EvaluatedRun, type EvaluatedModel } from './evaluate.js';
export type { ScoredCheckpoint, SimulationQuality } from './federated/evaluate.js';
export { inspectModel, type ModelInfo, type TensorInfo } from './inspect.js';
// The keys a dadm ONNX file's metadata uses, for commands that print them (cli may not import onnx).
export { METADATA_KEYS } from '../onnx/index.js';
export { report, buildReportData, type ReportOptions, type ReportResult } from './report.js';

// Re-exported from their homes for callers of the steps.
export * from '../config/index.js';
/** Federated training (`dadm federated keygen|enroll|server|client`): `federated.runServer`, `federated.keygen`, … */
export * as federated from '../federated/index.js';
export { splitRows, type RowSplit } from '../data/index.js';
export {
  loadCheckpoint,
  loadOnnxDetector,
  loadDetector,
  isOnnxPath,
  readCheckpoint,
  modelKind,
  MODEL_KINDS,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type DetectorModel,
  type CheckpointDetector,
  type OnnxDetector,
  type ThresholdMethod,
  type ParsedCheckpoint,
  type CheckpointHeader,
  type EpochRecord,
  type AutoencoderArchitecture,
} from '../models/index.js';
export type { ProgressEvent, ProgressCallback, RowsProgress, StepProgress, EpochProgress, StageProgress } from '../progress.js';
