/** fast-check properties of the drift measures (fixed seed; float32-exact values). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ks2samp, psi, psiFromProportions, wasserstein1 } from '../../src/stats/index.js';

const SEED = 42;
const sample = (min = 1, max = 60) =>
  fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }).map(Math.fround), { minLength: min, maxLength: max }).map((a) => Float32Array.from(a));
// Coarse values produce ties, which exercise the right-closed bins and ECDF steps.
const tiedSample = fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 40 }).map((a) => Float32Array.from(a));
const anySample = fc.oneof(sample(), tiedSample);

describe('psi properties', () => {
  it('is >= 0, and 0 for identical samples', () => {
    fc.assert(
      fc.property(anySample, anySample, (a, b) => {
        const r = psi(a, b);
        expect(r.psi).toBeGreaterThanOrEqual(0);
        for (const t of r.terms) expect(t).toBeGreaterThanOrEqual(0);
        expect(psi(a, a).psi).toBe(0);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
  it('psiFromProportions is 0 for identical proportions and >= 0 otherwise', () => {
    const props = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 2, maxLength: 12 }).filter((c) => c.some((v) => v > 0)).map((c) => {
      const total = c.reduce((s, v) => s + v, 0);
      return Float64Array.from(c, (v) => v / total);
    });
    fc.assert(
      fc.property(props, props, (p, q) => {
        expect(psiFromProportions(p, p).psi).toBe(0);
        if (p.length === q.length) expect(psiFromProportions(p, q).psi).toBeGreaterThanOrEqual(0);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe('wasserstein1 properties', () => {
  it('is symmetric and 0 for identical samples', () => {
    fc.assert(
      fc.property(anySample, anySample, (a, b) => {
        expect(wasserstein1(a, b)).toBe(wasserstein1(b, a));
        expect(wasserstein1(a, a.slice().reverse())).toBe(0);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
  it('equals |c| for a shift by c', () => {
    fc.assert(
      fc.property(anySample, fc.integer({ min: -800, max: 800 }), (a, k) => {
        const c = k / 8; // exact in float64, so a + c is exact
        const shifted = Float64Array.from(a, (v) => v + c);
        expect(Math.abs(wasserstein1(a, shifted) - Math.abs(c))).toBeLessThanOrEqual(1e-12 * (Math.abs(c) + 1000));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
  it('satisfies the triangle inequality', () => {
    fc.assert(
      fc.property(anySample, anySample, anySample, (a, b, c) => {
        const slack = 1e-12 * (1 + wasserstein1(a, c));
        expect(wasserstein1(a, c)).toBeLessThanOrEqual(wasserstein1(a, b) + wasserstein1(b, c) + slack);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe('ks2samp properties', () => {
  it('statistic and p-value lie in [0, 1] for every alternative and method', () => {
    const alt = fc.constantFrom('two-sided', 'less', 'greater' as const);
    const method = fc.constantFrom('auto', 'exact', 'asymp' as const);
    fc.assert(
      fc.property(anySample, anySample, alt, method, (a, b, alternative, m) => {
        const r = ks2samp(a, b, { alternative, method: m });
        expect(r.statistic).toBeGreaterThanOrEqual(0);
        expect(r.statistic).toBeLessThanOrEqual(1);
        expect(r.pvalue).toBeGreaterThanOrEqual(0);
        expect(r.pvalue).toBeLessThanOrEqual(1);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
