/**
 * Reconstruction attribution: for a reconstruction-based detector (the autoencoder, later the
 * transformer), each active feature's share of the squared reconstruction error the score is the
 * mean of. Exact by construction: the shares sum to 1 and score × share_j × |active| is feature j's
 * term of the score.
 */
import { DataError, ShapeError } from '../errors.js';
import { checkColumns } from '../model-spec/index.js';
import { nameOf, type ReconstructionFeature } from './feature-attribution.js';

/** Inputs of {@link reconstructionAttribution}. */
export interface ReconstructionInputs {
  /** `[D]` model input */
  input: Float32Array;
  /** `[D]` model output for `input` */
  reconstruction: Float32Array;
  /** columns the score averages over; null = all */
  activeFeatures: readonly number[] | null;
  /** name per column (at least up to the largest active column) */
  featureNames: readonly string[];
}

/**
 * One entry per active feature, in `activeFeatures` order: `contribution = e_j^2 / sum_k e_k^2`
 * with `e = reconstruction - input` (all zeros when the row is reconstructed exactly).
 * @throws ShapeError when input and reconstruction differ in width or a name is missing
 * @throws InvalidOptionError for bad active columns
 * @throws DataError for NaN/Inf values
 */
export function reconstructionAttribution(inputs: ReconstructionInputs): ReconstructionFeature[] {
  const { input, reconstruction, featureNames } = inputs;
  const d = input.length;
  if (reconstruction.length !== d) {
    throw new ShapeError(`reconstructionAttribution: reconstruction must have the input's width ${d}, got ${reconstruction.length}`, 'reconstructionAttribution');
  }
  const active = inputs.activeFeatures ?? Array.from({ length: d }, (_, j) => j);
  checkColumns(active, d, { where: 'reconstructionAttribution', name: 'activeFeatures' });
  const squared = new Float64Array(active.length);
  let total = 0;
  for (let a = 0; a < active.length; a++) {
    const j = active[a]!;
    const e = reconstruction[j]! - input[j]!;
    if (!Number.isFinite(e)) {
      throw new DataError(`reconstructionAttribution: column ${j} must be finite, got input ${input[j]} and reconstruction ${reconstruction[j]}`, 'input');
    }
    squared[a] = e * e;
    total += e * e;
  }
  return active.map((j, a) => ({
    feature: j,
    name: nameOf(featureNames, j, 'reconstructionAttribution'),
    contribution: total > 0 ? squared[a]! / total : 0,
    observed: input[j]!,
    reconstructed: reconstruction[j]!,
    squaredError: squared[a]!,
  }));
}
