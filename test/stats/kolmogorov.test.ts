/** kstwoSf and its building blocks: two exact algorithms cross-checked, closed forms, approximations. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kolmogorovCdfDurbin, kolmogorovCdfPomeranz } from '../../src/stats/kolmogorov-exact.js';
import { kstwoSf } from '../../src/stats/kolmogorov.js';
import { smirnovSf } from '../../src/stats/smirnov.js';

/** Birnbaum–Tingey sum evaluated directly (fine for small n). */
function naiveSmirnov(n: number, x: number): number {
  let c = 1;
  let p = 0;
  for (let v = 0; v <= Math.floor(n * (1 - x)); v++) {
    const e = x + v / n;
    p += c * e ** (v - 1) * (1 - e) ** (n - v);
    c *= (n - v) / (v + 1);
  }
  return x * p;
}

describe('exact one-sample Kolmogorov CDF', () => {
  it('Durbin (Marsaglia-Tsang-Wang) and Pomeranz agree to 1e-12', () => {
    const arb = fc.integer({ min: 2, max: 140 }).chain((n) => fc.tuple(fc.constant(n), fc.double({ min: 0.51 / n, max: 0.49, noNaN: true })));
    fc.assert(
      fc.property(arb, ([n, x]) => {
        const a = kolmogorovCdfDurbin(n, x);
        const b = kolmogorovCdfPomeranz(n, x);
        return Math.abs(a - b) <= 1e-12 * Math.max(a, 1e-300);
      }),
      { seed: 42, numRuns: 150 },
    );
  });
  it('n = 1: D_1 = max(U, 1-U), so Pr(D_1 >= x) = min(1, 2(1-x))', () => {
    for (const x of [0.1, 0.5, 0.6, 0.75, 0.99]) expect(kstwoSf(x, 1)).toBeCloseTo(Math.min(1, 2 * (1 - x)), 15);
  });
});

describe('smirnovSf', () => {
  it('equals the direct Birnbaum-Tingey sum for small n', () => {
    for (const n of [2, 3, 7, 20, 60]) {
      for (const x of [0.05, 0.13, 0.31, 0.5, 0.77]) {
        const want = naiveSmirnov(n, x);
        expect(Math.abs(smirnovSf(n, x) - want)).toBeLessThanOrEqual(1e-12 * want + 1e-300);
      }
    }
  });
});

describe('kstwoSf', () => {
  it('is 1 below 1/(2n), 0 at 1, and non-increasing in x', () => {
    expect(kstwoSf(0.4 / 50, 50)).toBe(1);
    expect(kstwoSf(1, 50)).toBe(0);
    for (const n of [7, 140, 141, 1000, 200000]) {
      let prev = 1;
      for (let i = 1; i <= 200; i++) {
        const p = kstwoSf(i / 200, n);
        expect(p).toBeLessThanOrEqual(prev + 1e-12);
        prev = p;
      }
    }
  });
  it('Pelz-Good region (n > 140) agrees with the exact Durbin matrix', () => {
    for (const [n, rtol] of [[200, 1e-5], [1000, 1e-6], [5000, 1e-7]] as const) {
      for (const z of [0.7, 0.9, 1.1, 1.3]) {
        const x = z / Math.sqrt(n);
        const exact = 1 - kolmogorovCdfDurbin(n, x);
        expect(Math.abs(kstwoSf(x, n) - exact)).toBeLessThanOrEqual(rtol * exact);
      }
    }
  });
  it('approaches the Kolmogorov limit 2 sum (-1)^(k-1) exp(-2 k^2 z^2) for large n', () => {
    const limit = (z: number) => {
      let s = 0;
      for (let k = 1; k < 100; k++) s += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * z * z);
      return s;
    };
    for (const z of [0.6, 1, 1.5, 2]) expect(Math.abs(kstwoSf(z / Math.sqrt(1e6), 1e6) - limit(z))).toBeLessThan(2e-3 * limit(z));
  });
});
