/**
 * ONNX exporters: the autoencoder (plain MLP weights) and the isolation forest (its arrays) as ONNX
 * scoring graphs, built with the ONNX toolkit (../onnx) and checked with its `checkModel`. See
 * docs/onnx.md, section "Exporters".
 */
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
export { exportEcod, ecodStepTrees, type EcodExportOptions } from './export-ecod.js';
export { exportEnsemble, type EnsembleMemberExport, type EnsembleExportOptions } from './export-ensemble.js';
export { addStepTreeEnsemble, stepTreeNodes, type StepTree, type StepTreeEnsembleOptions } from './export-step-trees.js';
export { exportTransformer, type TransformerExportOptions } from './export-transformer.js';
