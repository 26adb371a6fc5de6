/**
 * Small seeded samplers for the synthetic host generator: gamma, Poisson and their mixture
 * (negative binomial). All draw from an explicit {@link Random}, so a seed fixes every value.
 */
import type { Random } from '../tensor/index.js';

/**
 * Gamma(shape, scale) by Marsaglia & Tsang (2000), "A simple method for generating gamma variables",
 * https://doi.org/10.1145/358407.358414. Shapes below 1 use the boost `G(a+1) * U^(1/a)`.
 */
export function sampleGamma(rng: Random, shape: number, scale: number): number {
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return sampleGamma(rng, shape + 1, scale) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/**
 * Poisson(lambda): Knuth's product of uniforms below lambda 30; above it the normal approximation
 * `round(lambda + sqrt(lambda) z)` floored at 0, whose error is negligible next to the gamma
 * dispersion the generator mixes in.
 */
export function samplePoisson(rng: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda >= 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/**
 * Negative binomial count as a gamma–Poisson mixture: `Poisson(Gamma(k, mean / k))`.
 * Mean `mean`, variance `mean + mean^2 / k`; a small dispersion `k` gives a heavy right tail.
 */
export function sampleNegBinomial(rng: Random, mean: number, dispersion: number): number {
  if (mean <= 0) return 0;
  return samplePoisson(rng, sampleGamma(rng, dispersion, mean / dispersion));
}

/** Log-uniform draw in [low, high): multiplicative effects of unknown magnitude. */
export function sampleLogUniform(rng: Random, low: number, high: number): number {
  return Math.exp(rng.uniform(Math.log(low), Math.log(high)));
}
