/**
 * How large PSI, Wasserstein-1 and the KS statistic get between two samples of the *same*
 * distribution, from sampling alone: upper 1 - {@link DRIFT_NOISE_ALPHA} points of each statistic
 * under no drift, for given sample sizes. `dadm drift` raises its warn/retrain levels to these and
 * gives no verdict when even a retrain-sized change would drown in them (docs/drift.md "Small samples").
 */
import { checkNumberOption, checkSample, type FloatArray } from './validate.js';

/** Chance that a statistic of an undrifted batch reaches its noise level (per statistic). */
export const DRIFT_NOISE_ALPHA = 1e-3;

/** Upper 1e-3 point of the standard normal (scipy.stats.norm.isf(1e-3)). */
const Z_ALPHA = 3.090232306167813;

/**
 * Ratio of the no-drift 99.9% point of W1 to `J sqrt(1/n + 1/m)`. The limit law gives a
 * distribution-dependent ratio; simulated 99.9% points were 1.9-2.9 for normal, exponential,
 * lognormal, uniform, bimodal, Poisson and t(3) data at n, m from 30 to 10,000. 3 covers them all.
 */
const W1_NOISE_FACTOR = 3;

function checkSizes(where: string, n: number, m: number): void {
  checkNumberOption(where, 'n', n, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumberOption(where, 'm', m, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
}

/**
 * The two-sample KS statistic that samples of `n` and `m` values from one distribution exceed with
 * probability about 1e-3: `c sqrt((n + m) / (n m))` with Smirnov's asymptotic
 * `c = sqrt(-ln(alpha / 2) / 2)` = 1.9495 (= scipy.stats.kstwobign.isf(1e-3) to 1e-10).
 * @throws InvalidOptionError for a size that is not an integer >= 1
 */
export function ksNoiseLevel(n: number, m: number): number {
  checkSizes('ksNoiseLevel', n, m);
  return Math.sqrt(-Math.log(DRIFT_NOISE_ALPHA / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

/**
 * The PSI over `bins` bins that samples of `n` (reference) and `m` (current) rows from one distribution
 * exceed with probability about 1e-3. Under no drift PSI is asymptotically `(1/n + 1/m)` times a
 * chi-square with `bins - 1` degrees of freedom (B. Yurdakul, "Statistical properties of population
 * stability index", 2018); its quantile comes from the Wilson-Hilferty approximation, 0.7% above the
 * exact 27.88 for 10 bins. Simulated 99.9% points (normal data, 10 decile bins of the reference)
 * match within 6% for m >= 300; near m = 100 they are 20% higher (the second-order expansion behind
 * the chi-square fails when a bin's count varies by a large fraction), a false-alarm rate of 0.5%.
 * @throws InvalidOptionError for a size that is not an integer >= 1 or bins < 2
 */
export function psiNoiseLevel(n: number, m: number, bins: number): number {
  checkSizes('psiNoiseLevel', n, m);
  checkNumberOption('psiNoiseLevel', 'bins', bins, (v) => Number.isInteger(v) && v >= 2, 'an integer >= 2');
  const k = bins - 1;
  const chi2 = k * (1 - 2 / (9 * k) + Z_ALPHA * Math.sqrt(2 / (9 * k))) ** 3;
  return chi2 * (1 / n + 1 / m);
}

/**
 * The Wasserstein-1 distance that samples of `n` (reference) and `m` rows from the distribution of
 * `sortedReference` exceed with probability about 1e-3: `3 J sqrt(1/n + 1/m)` with
 * `J = ∫ sqrt(F (1 - F)) dx` of the reference's empirical CDF (1.615 for a normal with std 1). The
 * scaled distance `sqrt(nm/(n+m)) W1` tends to `∫ |B(F(x))| dx` for a Brownian bridge B, whose mean is
 * `sqrt(2/pi) J` (del Barrio, Giné & Matrán 1999, https://doi.org/10.1214/aop/1022677394); 3 J bounds
 * its simulated 99.9% points (see W1_NOISE_FACTOR).
 * @param sortedReference ascending reference values [n], n >= 1, finite
 * @throws DataError for an empty or non-finite reference; InvalidOptionError for m not an integer >= 1
 */
export function wassersteinNoiseLevel(sortedReference: FloatArray, m: number): number {
  checkSample('wassersteinNoiseLevel', 'sortedReference', sortedReference);
  const n = sortedReference.length;
  checkSizes('wassersteinNoiseLevel', n, m);
  let j = 0;
  for (let i = 1; i < n; i++) {
    const f = i / n;
    j += Math.sqrt(f * (1 - f)) * (sortedReference[i]! - sortedReference[i - 1]!);
  }
  return W1_NOISE_FACTOR * j * Math.sqrt(1 / n + 1 / m);
}
