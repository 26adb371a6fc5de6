/**
 * One feature's part in a row's anomaly score, shared by every explanation method, and the
 * top-k selection the CLI reports.
 */
import { InvalidOptionError, ShapeError } from '../errors.js';
import type { ShapleyResult } from './shapley-values.js';

/** A feature's contribution to one row's score. */
export interface FeatureAttribution {
  /** column index in the model input */
  feature: number;
  name: string;
  /** reconstruction: share of the squared error in [0, 1]; shap: phi in score units (may be negative) */
  contribution: number;
  /** the row's value of this column (model input units) */
  observed: number;
}

/** A reconstruction attribution also carries the reconstructed value and its squared error. */
export interface ReconstructionFeature extends FeatureAttribution {
  reconstructed: number;
  squaredError: number;
}

/**
 * The `k` largest contributions, largest first (ties: lower column first). Positive Shapley values
 * push the score up, so the first entries are the behaviours that drove the row towards "anomalous".
 * @throws InvalidOptionError unless k is an integer in [1, attributions.length]
 */
export function topK<T extends FeatureAttribution>(attributions: readonly T[], k: number): T[] {
  if (!Number.isInteger(k) || k < 1 || k > attributions.length) {
    throw new InvalidOptionError(`topK: k must be an integer in [1, ${attributions.length}], got ${k}`, 'topK');
  }
  return [...attributions].sort((a, b) => b.contribution - a.contribution || a.feature - b.feature).slice(0, k);
}

/**
 * Shapley values as attributions, one per attributed feature in `result.features` order.
 * @param x `[D]` the explained row
 * @param featureNames name per column (at least up to the largest attributed column)
 * @throws ShapeError when a name is missing
 */
export function shapleyAttribution(result: ShapleyResult, x: Float32Array, featureNames: readonly string[]): FeatureAttribution[] {
  return result.features.map((feature, i) => ({
    feature,
    name: nameOf(featureNames, feature, 'shapleyAttribution'),
    contribution: result.phi[i]!,
    observed: x[feature]!,
  }));
}

/** `featureNames[j]`, or a ShapeError naming `where`. */
export function nameOf(featureNames: readonly string[], j: number, where: string): string {
  const name = featureNames[j];
  if (name === undefined) throw new ShapeError(`${where}: featureNames must name column ${j}, got ${featureNames.length} names`, where);
  return name;
}
