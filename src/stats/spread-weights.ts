/**
 * Label-free member weights for an ensemble of robust z-scores (docs/ensemble.md, "Combination").
 * A member whose scores separate a group of rows from the bulk has its upper quartile pulled away
 * from its median while its MAD (the robust z's unit) still measures the bulk, so its z-scores'
 * interquartile range exceeds the normal distribution's 1.349. A member whose scores are one
 * unimodal bulk keeps a ratio near 1. Weighting by a power of the ratio hands the combination to
 * members that see a separate group and leaves it equal when none does.
 */
import { InvalidOptionError, ShapeError } from '../errors.js';
import { quantileSorted } from './quantile.js';
import { sortAscending } from './sort.js';
import { checkSample, type FloatArray } from './validate.js';

/** Phi^-1(3/4) - Phi^-1(1/4): the interquartile range of the standard normal distribution. */
const NORMAL_IQR = 1.3489795003921634;

/**
 * The spread ratio of one member's calibrated scores: their interquartile range (numpy linear
 * quartiles) over the standard normal's, 1 for normal scores with the robust z's unit.
 * @param z `[rows]` robust z-scores of the member on the calibration rows
 * @throws DataError for an empty sample or a NaN/Inf score
 */
export function spreadRatio(z: FloatArray): number {
  checkSample('spreadRatio', 'z', z);
  const s = sortAscending(z);
  return (quantileSorted(s, 0.75) - quantileSorted(s, 0.25)) / NORMAL_IQR;
}

/**
 * Member weights `w_k = ratio_k^power / sum_j ratio_j^power` from each member's {@link spreadRatio}
 * on the calibration rows; equal weights when every ratio is 0 (all members constant on those rows).
 * @param members `[members][rows]` robust z-scores, equal lengths
 * @param power >= 0; 0 gives the plain mean
 * @throws ShapeError for no member or unequal lengths; InvalidOptionError for a bad power; DataError
 *   for an empty or non-finite sample
 */
export function spreadWeights(members: readonly FloatArray[], power: number): number[] {
  if (members.length === 0) throw new ShapeError('spreadWeights: members must hold at least 1 score array, got 0', 'spreadWeights');
  const n = members[0]!.length;
  members.forEach((m, k) => {
    if (m.length !== n) throw new ShapeError(`spreadWeights: members must have equal lengths, got ${n} and ${m.length} (member ${k})`, 'spreadWeights', [[n], [m.length]]);
  });
  if (typeof power !== 'number' || !(power >= 0 && Number.isFinite(power))) {
    throw new InvalidOptionError(`spreadWeights: power must be a finite number >= 0, got ${String(power)}`, 'power');
  }
  const raw = members.map((m) => spreadRatio(m) ** power);
  const total = raw.reduce((a, b) => a + b, 0);
  return total > 0 ? raw.map((w) => w / total) : raw.map(() => 1 / members.length);
}
