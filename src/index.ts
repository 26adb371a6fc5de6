/**
 * dadm's public library API: what a user needs, grouped by purpose. docs/library.md documents every
 * name exported here, with a runnable example per group (test/docs/library.test.ts runs them). The
 * engine's internals (tensor kernels, autograd, nn modules, graph builders, the model-kind contract)
 * are not part of it; tests import them through their folder's door (`src/<part>/index.ts`).
 */

// Errors and limits: every error a caller can cause is one of these classes.
export {
  DadmError,
  ShapeError,
  InvalidOptionError,
  DataError,
  FormatError,
  LimitError,
  NotFittedError,
  UnsupportedOpError,
  TrainingError,
  NetworkError,
  UsageError,
  type DataPosition,
} from './errors.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export { packageVersion } from './version.js';

// Models and estimators, in memory.
export {
  Autoencoder,
  IForest,
  EcodModel,
  Ensemble,
  TransformerEstimator,
  KindEstimator,
  ESTIMATORS,
  type AutoencoderOptions,
  type IForestOptions,
  type EcodModelOptions,
  type EnsembleOptions,
  type TransformerEstimatorOptions,
  type WindowBatch,
  type EstimatorOptions,
  type ToOnnxOptions,
  type EstimatorClass,
} from './estimators/index.js';
export { IsolationForest, type IsolationForestOptions, type SklearnForest, type SklearnTree, type FloatMatrix } from './iforest/index.js';
export { ECOD, type EcodOptions } from './ecod/index.js';
export type { MatrixInput } from './tensor/index.js';

// The file workflow (what the CLI runs), config and loaded models.
export {
  generateData,
  writeSequenceFiles,
  train,
  score,
  exportOnnx,
  quantizeModel,
  drift,
  explain,
  inspectModel,
  report,
  demo,
  simulateFederated,
  readDriftReference,
  type GenerateDataOptions,
  type GenerateDataResult,
  type SequenceFilesOptions,
  type SequenceFilesResult,
  type TrainOptions,
  type TrainResult,
  type TrainMetrics,
  type ScoreOptions,
  type ScoreResult,
  type LabelMetrics,
  type ScoreCompute,
  scoreStream,
  scoreTransform,
  scoreLines,
  type StreamRecord,
  type StreamResult,
  type ScoreStreamOptions,
  type LineFormat,
  type ScoreLinesOptions,
  type ScoreLinesResult,
  type ExportOnnxOptions,
  type ExportOnnxResult,
  type QuantizeModelOptions,
  type QuantizeModelResult,
  type DriftOptions,
  type DriftResult,
  type FeatureDriftRow,
  type ScoreDriftRow,
  type DriftStatus,
  type DriftReference,
  type ExplainOptions,
  type ExplainResult,
  type ExplainedRow,
  type ExplainedFeature,
  type ModelInfo,
  type ReportOptions,
  type ReportResult,
  type DemoOptions,
  type DemoSummary,
  type SimulateOptions,
  type SimulateResult,
} from './pipeline/index.js';
export { loadConfig, parseConfig, mergeConfig, defaultConfig, configToYaml, defaultConfigYaml, type DadmConfig, type PartialDadmConfig, type ModelKind, type SchemaMode } from './config/index.js';
export {
  loadCheckpoint,
  loadOnnxDetector,
  loadDetector,
  type DetectorModel,
  type CheckpointDetector,
  type OnnxDetector,
  type ThresholdMethod,
  type EpochRecord,
  TransformerDetector,
  type TransformerOptions,
  windowCoalitionScore,
  stepAttribution,
} from './models/index.js';
export type { ProgressEvent, ProgressCallback, RowsProgress, StepProgress, EpochProgress, StageProgress } from './progress.js';
export { ENDPOINT_V1, CORE_FEATURES, normalizeCore, toModelInput, type FeatureSchema, type NormalizeOptions } from './schema/index.js';

// I/O: NumPy .npy/.npz and safetensors files, checked against the limits before anything is allocated.
export {
  readNpy,
  readNpyFile,
  readNpyTyped,
  writeNpy,
  writeNpyFile,
  NpyRowReader,
  NpyWriter,
  readNpz,
  readNpzFile,
  writeNpz,
  writeNpzFile,
  readSafetensors,
  readSafetensorsFile,
  writeSafetensors,
  writeSafetensorsFile,
  type NpyArray,
  type NpyCast,
  type NpyTypedResult,
  type NpyTypedArray,
  type NpyArrayLike,
  type NpyReadOptions,
  type NpyFileReadOptions,
  type NpyWriterOptions,
  type SafetensorsTensor,
  type SafetensorsTensorLike,
  type SafetensorsContents,
} from './io/index.js';

// ONNX: exporters of model shapes, the pure-TypeScript runtime, int8 quantization.
export { exportIsolationForest, exportEcod, EXPORT_OPSET_RANGE } from './onnx-writer/index.js';
export { encodeModel } from './onnx/index.js';
export { loadOnnx, decodeModel, OnnxModel, SUPPORTED_OPS, type LoadOptions, type Feed, type RunOutput, type TensorData } from './runtime/index.js';
export { quantizeDynamic, compareScores, type QuantizeDynamicOptions, type QuantizeReport, type ScoreComparison } from './quant/index.js';

// Statistics and drift: quantiles, PSI / Wasserstein / KS, ROC-AUC and precision-recall, calibration.
export * as stats from './stats/index.js';

// Explanations: Shapley values (exact fast paths for dadm's models) and reconstruction attribution.
export { shapleyValues, reconstructionAttribution, type ShapleyOptions, type ShapleyResult, type Background, type ExplainableModel } from './explain/index.js';

// Report: one self-contained HTML page of SVG charts.
export { renderReport, type ReportData } from './report/index.js';

// Federated training (server, clients, secure aggregation): `federated.runServer`, `federated.keygen`, ...
export * as federated from './federated/index.js';
