/** src/stats against ../shared/reference/stats.json (NumPy 1.24 / SciPy 1.10, float64 references). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ks2samp, psi, quantile, wasserstein1, type KsAlternative, type KsMethod } from '../../src/stats/index.js';

interface WassersteinCase {
  id: string;
  u_values: number[];
  v_values: number[];
  u_weights: number[] | null;
  v_weights: number[] | null;
  distance: number;
}
interface PsiCase {
  id: string;
  reference: number[];
  current: number[];
  edges: number[];
  counts_reference: number[];
  counts_current: number[];
  proportions_reference: number[];
  proportions_current: number[];
  psi_terms: number[];
  psi: number;
  duplicate_edges: boolean;
}
interface KsCase {
  id: string;
  data1: number[];
  data2: number[];
  alternative: KsAlternative;
  method: KsMethod;
  method_used: 'exact' | 'asymp';
  statistic: number;
  pvalue: number;
  statistic_location: number;
  statistic_sign: number;
}
interface QuantileCase {
  id: string;
  data: number[];
  q: number[];
  quantiles: number[];
}
const ref = JSON.parse(readFileSync(new URL('../fixtures/stats.json', import.meta.url), 'utf8')) as {
  wasserstein: WassersteinCase[];
  psi: PsiCase[];
  ks_2samp: KsCase[];
  quantiles: QuantileCase[];
};

/** |got - want| <= rtol |want| + atol, elementwise; returns the failing indices' description. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol = 0): string {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= atol + rtol * Math.abs(want[i]!))) bad.push(`[${i}] ${got[i]} vs ${want[i]}`);
  }
  return bad.join('; ');
}

describe('quantile (numpy.quantile, method="linear")', () => {
  it.each(ref.quantiles.map((c) => [c.id, c] as const))('%s is bit-identical (up to the sign of zero)', (_id, c) => {
    expect(close(quantile(Float32Array.from(c.data), c.q), c.quantiles, 0)).toBe('');
    expect(quantile(Float64Array.from(c.data), c.q[0]!)).toBe(c.quantiles[0]! + 0);
  });
});

describe('psi (README definition)', () => {
  it('covers duplicate-edge cases', () => {
    expect(ref.psi.filter((c) => c.duplicate_edges).length).toBeGreaterThan(3);
  });
  it.each(ref.psi.map((c) => [c.id, c] as const))('%s: edges and counts exact, psi within 1e-12', (_id, c) => {
    const r = psi(Float32Array.from(c.reference), Float32Array.from(c.current));
    expect(close(r.edges, c.edges, 0)).toBe('');
    expect(Array.from(r.countsReference)).toEqual(c.counts_reference);
    expect(Array.from(r.countsCurrent)).toEqual(c.counts_current);
    expect(close(r.proportionsReference, c.proportions_reference, 1e-15)).toBe('');
    expect(close(r.proportionsCurrent, c.proportions_current, 1e-15)).toBe('');
    expect(close(r.terms, c.psi_terms, 1e-12, 1e-300)).toBe('');
    expect(close([r.psi], [c.psi], 1e-12, 1e-300)).toBe('');
  });
});

describe('wasserstein1 (scipy.stats.wasserstein_distance)', () => {
  it.each(ref.wasserstein.map((c) => [c.id, c] as const))('%s within 1e-12', (_id, c) => {
    const w = (a: number[] | null) => (a ? Float64Array.from(a) : undefined);
    const d = wasserstein1(Float32Array.from(c.u_values), Float32Array.from(c.v_values), w(c.u_weights), w(c.v_weights));
    expect(close([d], [c.distance], 1e-12, 1e-300)).toBe('');
  });
});

describe('ks2samp (scipy.stats.ks_2samp, scipy 1.10)', () => {
  it('covers exact, asymptotic, auto and one-sided cases', () => {
    const used = new Set(ref.ks_2samp.map((c) => `${c.method}/${c.method_used}/${c.alternative}`));
    expect(used.size).toBeGreaterThanOrEqual(6);
  });
  it.each(ref.ks_2samp.map((c) => [c.id, c] as const))('%s: statistic 1e-12, p-value 1e-9, same method', (_id, c) => {
    const r = ks2samp(Float32Array.from(c.data1), Float32Array.from(c.data2), { alternative: c.alternative, method: c.method });
    expect(r.methodUsed).toBe(c.method_used);
    expect(close([r.statistic], [c.statistic], 1e-12)).toBe('');
    expect(close([r.pvalue], [c.pvalue], 1e-9, 1e-300)).toBe('');
    expect(r.statisticLocation).toBe(c.statistic_location);
    expect(r.statisticSign).toBe(c.statistic_sign);
  });
});
