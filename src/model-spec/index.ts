/**
 * Model shapes as plain data, each with its one checker: the MLP autoencoder as weights (mlp.ts),
 * column lists (columns.ts), the transformer window model (transformer.ts), and the isolation forest as arrays and as compiled trees (forest.ts).
 * Everyone who reads or writes a model's weights — nn, iforest, the ONNX exporters, the explainers —
 * imports these instead of declaring its own. Depends only on errors and tensor.
 */
export { checkColumns, type ColumnsLabel } from './columns.js';
export { checkActivation, checkFinite, checkMlpSpec, mlpWidths, type LinearWeights, type MlpSpec } from './mlp.js';
export {
  averagePathLength,
  checkForestShape,
  compileForest,
  pathLengthDenominator,
  type CompiledForest,
  type ForestArrays,
  type ForestShape,
} from './forest.js';
export { addDepthSums, ROW_BLOCK, type ForestRows } from './depth-sums.js';
export { featureSteps, type StepTables } from './step-tables.js';
export {
  checkTransformerSpec,
  specPositions,
  specWidth,
  type TransformerExportSpec,
  type TransformerLayerSpec,
  type TransformerLinearSpec,
  type TransformerNormSpec,
} from './transformer.js';
