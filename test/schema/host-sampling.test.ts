import { describe, expect, it } from 'vitest';
import { sampleGamma, sampleLogUniform, sampleNegBinomial, samplePoisson } from '../../src/schema/host-sampling.js';
import { Random } from '../../src/tensor/random.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
}

describe('host samplers', () => {
  it('Gamma(k, theta) has mean k*theta and variance k*theta^2, also for k < 1', () => {
    const rng = new Random(1);
    for (const [k, theta] of [[4, 0.25], [0.5, 2], [100, 0.03]] as const) {
      const m = moments(() => sampleGamma(rng, k, theta), 100_000);
      expect(m.mean).toBeCloseTo(k * theta, 1);
      expect(Math.abs(m.variance / (k * theta * theta) - 1)).toBeLessThan(0.05);
    }
  });

  it('Poisson(lambda) has mean and variance lambda on both sides of the switch at 30', () => {
    const rng = new Random(2);
    for (const lambda of [0.3, 5, 29, 400]) {
      const m = moments(() => samplePoisson(rng, lambda), 100_000);
      expect(Math.abs(m.mean / lambda - 1)).toBeLessThan(0.02);
      expect(Math.abs(m.variance / lambda - 1)).toBeLessThan(0.05);
    }
    expect(samplePoisson(rng, 0)).toBe(0);
  });

  it('negative binomial has mean mu and variance mu + mu^2/k', () => {
    const rng = new Random(3);
    const [mu, k] = [50, 4];
    const m = moments(() => sampleNegBinomial(rng, mu, k), 100_000);
    expect(Math.abs(m.mean / mu - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.variance / (mu + (mu * mu) / k) - 1)).toBeLessThan(0.06);
  });

  it('log-uniform stays in [low, high) with uniform logarithm', () => {
    const rng = new Random(4);
    const m = moments(() => {
      const x = sampleLogUniform(rng, 2, 50);
      expect(x >= 2 && x < 50).toBe(true);
      return Math.log(x);
    }, 20_000);
    expect(m.mean).toBeCloseTo((Math.log(2) + Math.log(50)) / 2, 1);
  });
});
