/**
 * The estimator class of every model kind. The mapped type makes a kind registered in
 * src/models/registry.ts without an estimator here a compile error.
 */
import type { ModelKind } from '../config/index.js';
import { Autoencoder, type AutoencoderOptions } from './autoencoder.js';
import type { EstimatorOptions, KindEstimator } from './estimator.js';
import { EcodModel, type EcodModelOptions } from './ecod.js';
import { Ensemble, type EnsembleOptions } from './ensemble.js';
import { IForest, type IForestOptions } from './iforest.js';
import { TransformerEstimator, type TransformerEstimatorOptions } from './transformer.js';

/** Every kind's options type, by kind name. */
export interface KindEstimatorOptions {
  autoencoder: AutoencoderOptions;
  iforest: IForestOptions;
  ecod: EcodModelOptions;
  ensemble: EnsembleOptions;
  transformer: TransformerEstimatorOptions;
}

/** An estimator class: `new Cls(options)` and `Cls.load(source)`. */
export interface EstimatorClass<K extends ModelKind> {
  new (options?: K extends keyof KindEstimatorOptions ? KindEstimatorOptions[K] : EstimatorOptions): KindEstimator<unknown>;
  load(source: string | Uint8Array): KindEstimator<unknown>;
}

/** The estimator class of each model kind. */
export const ESTIMATORS: { readonly [K in ModelKind]: EstimatorClass<K> } = {
  autoencoder: Autoencoder,
  iforest: IForest,
  ecod: EcodModel,
  ensemble: Ensemble,
  transformer: TransformerEstimator,
};
