/** The ECOD model kind as an in-memory estimator (see estimator.ts for the shared shape). */
import type { DadmConfig } from '../config/index.js';
import { KindEstimator, type EstimatorOptions } from './estimator.js';

/** Options of {@link EcodModel}: config.yaml's `ecod` section plus {@link EstimatorOptions}. */
export interface EcodModelOptions extends EstimatorOptions, Partial<DadmConfig['ecod']> {}

/**
 * The `ecod` model kind (Li et al., TKDE 2022, https://arxiv.org/abs/2201.00382) behind dadm's
 * checkpoint, scaler, threshold rule and ONNX export. For the bare estimator on raw arrays, use `ECOD`.
 * Methods and sign conventions: {@link KindEstimator}.
 *
 * @example
 * const model = new EcodModel({ training: { seed: 0 } }).fit(rows);
 * const flags = model.predict(rows);
 */
export class EcodModel extends KindEstimator {
  /** @throws InvalidOptionError for an unknown option or a value config.yaml would refuse */
  constructor(options: EcodModelOptions = {}) {
    super('ecod', 'EcodModel', options);
  }
}
