/** The ensemble model kind as an in-memory estimator (see estimator.ts for the shared shape). */
import type { DadmConfig } from '../config/index.js';
import { KindEstimator, type EstimatorOptions } from './estimator.js';

/** Options of {@link Ensemble}: config.yaml's `ensemble` section plus {@link EstimatorOptions}. */
export interface EnsembleOptions extends EstimatorOptions, Partial<DadmConfig['ensemble']> {}

/**
 * The `ensemble` model kind: autoencoder, isolation forest and ECOD trained on the same rows, each
 * calibrated to robust z-scores and combined by `ensemble.combination` (docs/ensemble.md).
 * Methods and sign conventions: {@link KindEstimator}.
 *
 * @example
 * const model = new Ensemble({ members: ['iforest', 'ecod'], training: { seed: 0 } }).fit(rows);
 * const scores = model.anomalyScore(rows);
 */
export class Ensemble extends KindEstimator {
  /** @throws InvalidOptionError for an unknown option or a value config.yaml would refuse */
  constructor(options: EnsembleOptions = {}) {
    super('ensemble', 'Ensemble', options);
  }
}
