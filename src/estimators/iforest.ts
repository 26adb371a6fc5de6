/** The isolation-forest model kind as an in-memory estimator (see estimator.ts for the shared shape). */
import type { DadmConfig } from '../config/index.js';
import { KindEstimator, type EstimatorOptions } from './estimator.js';

/** Options of {@link IForest}: config.yaml's `iforest` section plus {@link EstimatorOptions}. */
export interface IForestOptions extends EstimatorOptions, Partial<DadmConfig['iforest']> {}

/**
 * The `iforest` model kind (Liu, Ting & Zhou 2008, https://doi.org/10.1109/ICDM.2008.17): scikit-learn's
 * isolation forest behind dadm's checkpoint, scaler, threshold rule and ONNX export. Its
 * `anomalyScore` is the forest's `2^(-E[h(x)] / c(maxSamples))`; the threshold is the
 * `threshold.quantile` of the validation scores, or `-offset_` with a numeric `contamination`. For
 * scikit-learn's own estimator on raw arrays (offset -0.5, `fromSklearn`), use `IsolationForest`.
 * Methods and sign conventions: {@link KindEstimator}.
 *
 * @example
 * const model = new IForest({ nEstimators: 100, training: { seed: 0 } }).fit(rows);
 * const onnxBytes = model.toOnnx();
 */
export class IForest extends KindEstimator {
  /** @throws InvalidOptionError for an unknown option or a value config.yaml would refuse */
  constructor(options: IForestOptions = {}) {
    super('iforest', 'IForest', options);
  }
}
