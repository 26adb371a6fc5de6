/** ks2samp exact p-values against brute-force enumeration, and asymptotic behaviour. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ks2samp, type KsAlternative } from '../../src/stats/index.js';

/** Integer-scaled statistic n1 n2 D of a 0/1 membership sequence over the pooled sorted values. */
function scaledStatistic(member: number[], n1: number, n2: number, alternative: KsAlternative): number {
  let c1 = 0;
  let c2 = 0;
  let best = 0;
  for (const m of member) {
    if (m === 1) c1++;
    else c2++;
    const diff = c1 * n2 - c2 * n1; // n1 n2 (F1 - F2)
    const s = alternative === 'greater' ? diff : alternative === 'less' ? -diff : Math.abs(diff);
    best = Math.max(best, s);
  }
  return best;
}

/** P(D >= d_obs) over all C(n1+n2, n1) equally likely arrangements (no ties). */
function bruteForcePvalue(observed: number[], n1: number, n2: number, alternative: KsAlternative): number {
  const dObs = scaledStatistic(observed, n1, n2, alternative);
  let hits = 0;
  let total = 0;
  const member = new Array<number>(n1 + n2).fill(0);
  const place = (pos: number, left: number): void => {
    if (left === 0) {
      total++;
      if (scaledStatistic(member, n1, n2, alternative) >= dObs) hits++;
      return;
    }
    for (let p = pos; p <= n1 + n2 - left; p++) {
      member[p] = 1;
      place(p + 1, left - 1);
      member[p] = 0;
    }
  };
  place(0, n1);
  return hits / total;
}

describe('ks2samp exact p-values', () => {
  it.each(['two-sided', 'less', 'greater'] as const)('equal brute-force enumeration (%s)', (alternative) => {
    const sizes = fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }));
    const arb = sizes.chain(([n1, n2]) =>
      fc.tuple(fc.constant(n1), fc.constant(n2), fc.shuffledSubarray([...Array(n1 + n2).keys()], { minLength: n1, maxLength: n1 })),
    );
    fc.assert(
      fc.property(arb, ([n1, n2, picks]) => {
        const chosen = new Set(picks);
        const member = [...Array(n1 + n2).keys()].map((i) => (chosen.has(i) ? 1 : 0));
        const d1 = Float64Array.from(picks);
        const d2 = Float64Array.from([...Array(n1 + n2).keys()].filter((i) => !chosen.has(i)));
        const r = ks2samp(d1, d2, { alternative, method: 'exact' });
        expect(r.methodUsed).toBe('exact');
        expect(r.statistic).toBeCloseTo(scaledStatistic(member, n1, n2, alternative) / (n1 * n2), 14);
        const want = bruteForcePvalue(member, n1, n2, alternative);
        expect(Math.abs(r.pvalue - want)).toBeLessThanOrEqual(1e-12 + 1e-9 * want);
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});

describe('ks2samp method selection', () => {
  it("'auto' is exact up to max(n1, n2) = 10000 and asymptotic above", () => {
    const a = Float64Array.from({ length: 10001 }, (_, i) => i / 10001);
    const b = Float64Array.from({ length: 30 }, (_, i) => i / 30 + 0.01);
    expect(ks2samp(a.subarray(0, 10000), b).methodUsed).toBe('exact');
    expect(ks2samp(a, b).methodUsed).toBe('asymp');
  });
  it("falls back from 'exact' to 'asymp' when the one-sided path count overflows", () => {
    const a = Float64Array.from({ length: 900 }, (_, i) => i);
    const b = Float64Array.from({ length: 700 }, (_, i) => i + 0.5);
    expect(ks2samp(a, b, { alternative: 'less', method: 'exact' }).methodUsed).toBe('asymp');
  });
  it('reports statistic 0 and p-value 1 for identical samples', () => {
    const a = Float64Array.of(3, 1, 2, 2);
    for (const method of ['exact', 'asymp'] as const) {
      const r = ks2samp(a, a.slice().reverse(), { method });
      expect([r.statistic, r.pvalue]).toEqual([0, 1]);
    }
  });
});
