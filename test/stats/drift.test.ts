/** summarizeReference / compareToReference / driftVerdict. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRIFT_THRESHOLDS, compareToReference, driftVerdict, ks2samp, psi, summarizeReference, wasserstein1 } from '../../src/stats/index.js';
import { Random } from '../../src/tensor/random.js';

const normal = (seed: number, n: number, mean = 0, std = 1) => new Random(seed).normalFill(new Float32Array(n), mean, std);

describe('summarizeReference', () => {
  it('stores the same edges and floored proportions psi() computes, and a sorted sketch', () => {
    const ref = normal(0, 5000);
    const s = summarizeReference(ref, { sampleSize: 500 });
    const full = psi(ref, ref);
    expect(Array.from(s.edges)).toEqual(Array.from(full.edges));
    expect(Array.from(s.proportions)).toEqual(Array.from(full.proportionsReference));
    expect(s.sample.length).toBe(500);
    for (let i = 1; i < s.sample.length; i++) expect(s.sample[i]!).toBeGreaterThanOrEqual(s.sample[i - 1]!);
    expect(s.n).toBe(5000);
  });
  it('keeps the whole reference when it is smaller than sampleSize', () => {
    const ref = Float32Array.of(3, 1, 2);
    expect(Array.from(summarizeReference(ref).sample)).toEqual([1, 2, 3]);
  });
});

describe('compareToReference', () => {
  it('gives the full-reference PSI and near-full-reference W1 and KS', () => {
    const ref = normal(0, 20000);
    const cur = normal(1, 3000, 0.3, 1.2);
    const got = compareToReference(summarizeReference(ref), cur);
    expect(got.psi).toBeCloseTo(psi(ref, cur).psi, 12);
    expect(Math.abs(got.wasserstein - wasserstein1(ref, cur))).toBeLessThan(0.01);
    expect(Math.abs(got.ks.statistic - ks2samp(ref, cur).statistic)).toBeLessThan(1 / 2000);
    expect(driftVerdict(got)).toBe('retrain');
  });
  it('reports no drift for a fresh sample from the same distribution', () => {
    const got = compareToReference(summarizeReference(normal(0, 20000)), normal(2, 5000));
    expect(got.psi).toBeLessThan(0.01);
    expect(driftVerdict(got)).toBe('ok');
  });
});

describe('driftVerdict', () => {
  it('uses the worst metric; a value equal to a threshold reaches that level', () => {
    expect(driftVerdict({ psi: 0.05, wasserstein: 0.05, ks: { statistic: 0.05 } })).toBe('ok');
    expect(driftVerdict({ psi: 0.1 })).toBe('warn');
    expect(driftVerdict({ psi: 0.05, ks: { statistic: 0.2 } })).toBe('retrain');
    expect(driftVerdict({ wasserstein: 0.25 })).toBe('retrain');
    expect(driftVerdict({})).toBe('ok');
  });
  it('accepts partial custom thresholds', () => {
    expect(driftVerdict({ psi: 0.15 }, { psi: { warn: 0.2, retrain: 0.3 } })).toBe('ok');
    expect(DEFAULT_DRIFT_THRESHOLDS.psi).toEqual({ warn: 0.1, retrain: 0.25 });
  });
});
