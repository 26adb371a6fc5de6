/**
 * Robust aggregation for plain mode: coordinate-wise median and trimmed mean of the client updates
 * (Yin et al. 2018, "Byzantine-robust distributed learning: towards optimal statistical rates",
 * https://arxiv.org/abs/1803.01498). Unweighted, as Flower's FedMedian and FedTrimmedAvg are: a
 * weight would let one client with a large claimed sample count outvote the rest. Each needs every
 * update of the round, so memory grows with the clients (FedAvg's running sum does not).
 */
import { InvalidOptionError } from '../errors.js';

/**
 * Per coordinate the median of `updates` (the mean of the two middle values for an even count, as numpy.median).
 * @param updates n vectors of equal length, n >= 1
 */
export function coordinateMedian(updates: readonly Float32Array[]): Float64Array {
  return byCoordinate(updates, (col) => {
    const n = col.length;
    return n % 2 === 1 ? col[n >> 1]! : (col[n / 2 - 1]! + col[n / 2]!) / 2;
  });
}

/**
 * Per coordinate the mean after dropping the `floor(beta n)` smallest and largest values (as
 * scipy.stats.trim_mean, which Flower's FedTrimmedAvg calls).
 * @param beta fraction cut from each end, in [0, 0.5)
 * @throws InvalidOptionError for beta outside [0, 0.5)
 */
export function trimmedMean(updates: readonly Float32Array[], beta: number): Float64Array {
  if (!(beta >= 0 && beta < 0.5)) throw new InvalidOptionError(`trimmedMean: trim_fraction must be in [0, 0.5), got ${beta}`, 'trim_fraction');
  const cut = Math.floor(beta * updates.length);
  return byCoordinate(updates, (col) => {
    let s = 0;
    for (let i = cut; i < col.length - cut; i++) s += col[i]!;
    return s / (col.length - 2 * cut);
  });
}

/** Applies `reduce` to each coordinate's values sorted ascending (sorting makes the result order-free). */
function byCoordinate(updates: readonly Float32Array[], reduce: (sortedColumn: Float64Array) => number): Float64Array {
  const n = updates.length;
  if (n === 0) throw new InvalidOptionError('robust aggregation: updates must number at least 1, got 0', 'updates');
  const d = updates[0]!.length;
  const out = new Float64Array(d);
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = updates[i]![j]!;
    col.sort();
    out[j] = reduce(col);
  }
  return out;
}
