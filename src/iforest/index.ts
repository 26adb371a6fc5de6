/** Isolation forest: fitting, scoring, scikit-learn loading and the checkpoint array layout. */
export { IsolationForest } from './isolation-forest.js';
export type { IsolationForestOptions, ResolvedOptions as ResolvedIsolationForestOptions } from './options.js';
export type { FloatMatrix } from '../tensor/index.js';
export type { ForestArrays, IsolationForestMeta } from './forest-arrays.js';
export type { SklearnForest, SklearnTree } from './from-sklearn.js';
// c(n) lives in tensor so the ONNX exporter can share it without importing iforest code; re-exported here.
export { averagePathLength } from '../tensor/index.js';
