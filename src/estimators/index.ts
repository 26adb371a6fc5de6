/**
 * In-memory, scikit-learn-style estimators for every model kind: `new Autoencoder(opts).fit(X)`, then
 * `anomalyScore`, `scoreSamples`, `decisionFunction`, `predict`, `save`/`load`, `toOnnx`. They train
 * on the same path as `dadm train` (docs/library.md "Estimators").
 */
export { KindEstimator, type EstimatorInput, type EstimatorOptions, type ToOnnxOptions } from './estimator.js';
export { Autoencoder, type AutoencoderOptions } from './autoencoder.js';
export { IForest, type IForestOptions } from './iforest.js';
export { EcodModel, type EcodModelOptions } from './ecod.js';
export { Ensemble, type EnsembleOptions } from './ensemble.js';
export { TransformerEstimator, type TransformerEstimatorOptions, type WindowBatch } from './transformer.js';
export { ESTIMATORS, type EstimatorClass, type KindEstimatorOptions } from './registry.js';
