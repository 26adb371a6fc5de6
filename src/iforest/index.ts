/** Isolation forest: fitting, scoring, scikit-learn loading and the checkpoint array layout. */
export { IsolationForest } from './isolation-forest.js';
export type { IsolationForestOptions, ResolvedOptions as ResolvedIsolationForestOptions } from './options.js';
export type { FloatMatrix } from '../tensor/index.js';
export type { IsolationForestMeta } from './forest-arrays.js';
export type { ForestArrays, CompiledForest } from '../model-spec/index.js';
export type { SklearnForest, SklearnTree } from './from-sklearn.js';
// c(n) lives with the forest shape in model-spec, which the ONNX exporter shares; re-exported here.
export { averagePathLength } from '../model-spec/index.js';
