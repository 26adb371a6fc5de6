/** The autoencoder model kind as an in-memory estimator (see estimator.ts for the shared shape). */
import type { DadmConfig } from '../config/index.js';
import { KindEstimator, type EstimatorOptions } from './estimator.js';

/** Options of {@link Autoencoder}: config.yaml's `autoencoder` section plus {@link EstimatorOptions}. */
export interface AutoencoderOptions extends EstimatorOptions, Partial<DadmConfig['autoencoder']> {}

/**
 * A dense autoencoder trained by minibatch gradient descent; a row's anomaly score is its mean squared
 * reconstruction error (Hinton & Salakhutdinov 2006, https://doi.org/10.1126/science.1127647).
 * Methods and sign conventions: {@link KindEstimator}.
 *
 * @example
 * const model = new Autoencoder({ hiddenDims: [16, 4], training: { epochs: 5, seed: 0 } }).fit(rows);
 * const outliers = model.predict(rows); // Int8Array: -1 outlier, +1 inlier
 */
export class Autoencoder extends KindEstimator {
  /** @throws InvalidOptionError for an unknown option or a value config.yaml would refuse */
  constructor(options: AutoencoderOptions = {}) {
    super('autoencoder', 'Autoencoder', options);
  }
}
