/** ksNoiseLevel / psiNoiseLevel / wassersteinNoiseLevel: the no-drift 99.9% points of the drift statistics. */
import { describe, expect, it } from 'vitest';
import { expectError } from '../tensor/expect-error.js';
import { DataError, InvalidOptionError } from '../../src/errors.js';
import { ks2samp, ksNoiseLevel, psi, psiNoiseLevel, sortAscending, wasserstein1, wassersteinNoiseLevel } from '../../src/stats/index.js';
import { Random } from '../../src/tensor/random.js';

/** scipy.stats.kstwobign.isf(1e-3) and scipy.stats.chi2.ppf(0.999, 9). */
const KSTWOBIGN_ISF_1E3 = 1.9494746035043753;
const CHI2_999_9 = 27.877164871256568;
/** scipy.integrate.quad of sqrt(Phi(x)(1 - Phi(x))) over the real line. */
const J_NORMAL = 1.6147438534296696;


describe('ksNoiseLevel', () => {
  it("is Smirnov's asymptotic 99.9% point scaled by sqrt(1/n + 1/m)", () => {
    for (const [n, m] of [[1, 1], [150, 2000], [10_000, 100_000]] as const) {
      expect(ksNoiseLevel(n, m)).toBeAllclose(KSTWOBIGN_ISF_1E3 * Math.sqrt(1 / n + 1 / m), { rtol: 1e-9, atol: 0 });
    }
  });
});

describe('psiNoiseLevel', () => {
  it('is (1/n + 1/m) times the chi-square 99.9% point with bins - 1 degrees of freedom, within 1% and not below it', () => {
    const level = psiNoiseLevel(400, 3000, 10);
    const exact = CHI2_999_9 * (1 / 400 + 1 / 3000);
    expect(level).toBeGreaterThanOrEqual(exact);
    expect(level).toBeLessThan(exact * 1.01);
  });
});

describe('wassersteinNoiseLevel', () => {
  it('is 3 J sqrt(1/n + 1/m) with J the integral of sqrt(F(1 - F)) of the empirical CDF', () => {
    // Two points 0 and 2: F = 1/2 on [0, 2), so J = 2 * 1/2 = 1.
    expect(wassersteinNoiseLevel(Float64Array.of(0, 2), 8)).toBeAllclose(3 * Math.sqrt(1 / 2 + 1 / 8), { rtol: 1e-15, atol: 0 });
    // Four points 0, 1, 3, 6: F = 1/4, 1/2, 3/4 on gaps of 1, 2, 3.
    const j = Math.sqrt(3 / 16) * 1 + 0.5 * 2 + Math.sqrt(3 / 16) * 3;
    expect(wassersteinNoiseLevel(Float32Array.of(0, 1, 3, 6), 4)).toBeAllclose(3 * j * Math.sqrt(1 / 4 + 1 / 4), { rtol: 1e-15, atol: 0 });
    expect(wassersteinNoiseLevel(Float64Array.of(5), 10)).toBe(0);
  });

  it('finds J of a standard normal from a large sample', () => {
    const n = 200_000;
    const ref = sortAscending(new Random(3).normalFill(new Float64Array(n)));
    expect(wassersteinNoiseLevel(ref, n) / (3 * Math.sqrt(2 / n))).toBeAllclose(J_NORMAL, { rtol: 5e-3, atol: 0 });
  });
});

describe('noise levels on undrifted samples', () => {
  // 400 pairs of samples of one distribution: at alpha = 1e-3 about 0.4 exceedances are expected; the
  // levels must not be far too high either (then drift would go unnoticed): the 99th percentile of
  // each statistic must reach 60% of its level.
  const trials = 400;
  const cases: [string, (r: Random, k: number) => Float64Array][] = [
    ['normal', (r, k) => r.normalFill(new Float64Array(k))],
    ['exponential', (r, k) => Float64Array.from({ length: k }, () => -Math.log(1 - r.uniform(0, 1)))],
  ];
  for (const [name, draw] of cases) {
    it(`are exceeded at most twice in ${trials} trials and are not far above the 99th percentile (${name}, n = 200, m = 500)`, () => {
      const rng = new Random(42);
      const stats = { ks: [] as number[], psi: [] as number[], w1: [] as number[] };
      const over = { ks: 0, psi: 0, w1: 0 };
      let w1Level = 0;
      for (let t = 0; t < trials; t++) {
        const ref = draw(rng, 200);
        const cur = draw(rng, 500);
        const w1 = wasserstein1(ref, cur);
        const level = wassersteinNoiseLevel(sortAscending(ref), 500);
        w1Level = Math.max(w1Level, level);
        stats.ks.push(ks2samp(ref, cur).statistic);
        stats.psi.push(psi(ref, cur).psi);
        stats.w1.push(w1 / level);
        if (stats.ks.at(-1)! >= ksNoiseLevel(200, 500)) over.ks++;
        if (stats.psi.at(-1)! >= psiNoiseLevel(200, 500, 10)) over.psi++;
        if (w1 >= level) over.w1++;
      }
      expect(Math.max(over.ks, over.psi, over.w1)).toBeLessThanOrEqual(2);
      const p99 = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(0.99 * v.length)]!;
      expect(p99(stats.ks) / ksNoiseLevel(200, 500)).toBeGreaterThan(0.6);
      expect(p99(stats.psi) / psiNoiseLevel(200, 500, 10)).toBeGreaterThan(0.6);
      expect(p99(stats.w1)).toBeGreaterThan(0.5);
    });
  }
});

describe('noise levels: errors', () => {
  it('throw InvalidOptionError for sizes that are not integers >= 1 and fewer than 2 bins', () => {
    expectError(() => ksNoiseLevel(0, 5), InvalidOptionError, /^ksNoiseLevel: option 'n' must be an integer >= 1, got 0$/);
    expectError(() => psiNoiseLevel(5, 1.5, 10), InvalidOptionError, /^psiNoiseLevel: option 'm' must be an integer >= 1, got 1\.5$/);
    expectError(() => psiNoiseLevel(5, 5, 1), InvalidOptionError, /^psiNoiseLevel: option 'bins' must be an integer >= 2, got 1$/);
    expectError(() => wassersteinNoiseLevel(Float64Array.of(1, 2), 0), InvalidOptionError, /^wassersteinNoiseLevel: option 'm' must be an integer >= 1, got 0$/);
  });

  it('throws DataError for an empty or non-finite reference', () => {
    expectError(() => wassersteinNoiseLevel(new Float64Array(0), 5), DataError, /^wassersteinNoiseLevel: sortedReference must have at least 1 value, got 0$/);
    expectError(() => wassersteinNoiseLevel(Float64Array.of(1, NaN), 5), DataError, /^wassersteinNoiseLevel: sortedReference\[1\] must be finite, got NaN$/);
  });
});
