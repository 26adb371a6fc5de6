import { describe, expect, it } from 'vitest';
import { drift } from '../../../src/pipeline/drift/drift.js';
import { mergeConfig } from '../../../src/pipeline/index.js';
import { ACTIVE, COLS, batch, driftFiles, expectNaiveDrift, referenceParts } from './drift-fixtures.js';
import { tempDir } from '../helpers.js';

const dir = tempDir('dadm-drift-');
const { writeReference, writeBatch } = driftFiles(dir);
const train = batch(1500, 1);
const reference = writeReference('ref.npz', referenceParts(train));

describe('drift', () => {
  it('matches naive PSI, Wasserstein-1 and KS on every active feature when the batch fits the sample', () => {
    const current = batch(800, 2, [0.3, 0, -0.1]);
    const r = drift({ reference, current: writeBatch('cur.npy', current) });
    expect(r.rows).toBe(800);
    expect(r.validRows).toBe(800);
    expect(r.sampleRows).toBe(800);
    expect(r.features.map((f) => f.index)).toEqual([0, 1, 2]);
    expectNaiveDrift(r, train, current);
    expect(r.score).toBeNull();
  });

  it("gives 'ok' for a fresh batch of the same distribution and 'retrain' for a 0.5 std shift, naming the feature", () => {
    const same = drift({ reference, current: writeBatch('same.npy', batch(2000, 3)) });
    expect(same.features.map((f) => f.status)).toEqual(['ok', 'ok', 'ok']);
    expect(same.verdict).toBe('ok');
    expect(same.reasons).toEqual([]);
    const shifted = drift({ reference, current: writeBatch('shifted.npy', batch(2000, 4, [0, 0.5, 0])) });
    expect(shifted.features.map((f) => f.status)).toEqual(['ok', 'retrain', 'ok']);
    expect(shifted.verdict).toBe('retrain');
    expect(shifted.reasons).toHaveLength(1);
    expect(shifted.reasons[0]).toMatch(/^beta retrain: PSI \S+ >= 0\.25, Wasserstein \S+ >= 0\.25, KS \S+ >= 0\.2$/);
  });

  it("is 'warn' when the worst feature only reaches a warn level (thresholds from the config)", () => {
    // Sizes at which sampling noise stays below the warn levels (see 'drift with small samples').
    const big = writeReference('ref-big.npz', referenceParts(batch(10_000, 21)));
    const current = writeBatch('small-shift.npy', batch(20_000, 5, [0.15, 0, 0]));
    const r = drift({ reference: big, current });
    expect(r.features[0]!.wasserstein).toBeGreaterThanOrEqual(0.1);
    expect(r.features[0]!.wasserstein).toBeLessThan(0.25);
    expect(r.features[0]!.noise.wasserstein).toBeLessThan(0.1);
    expect(r.verdict).toBe('warn');
    expect(r.warnings).toEqual([]);
    const strict = mergeConfig({ drift: { wassersteinWarn: 0.05, wassersteinRetrain: 0.12 } });
    expect(drift({ reference: big, current, config: strict }).verdict).toBe('retrain');
    const lenient = mergeConfig({ drift: { wassersteinWarn: 1, wassersteinRetrain: 2, psiWarn: 1, psiRetrain: 2, ksWarn: 1, ksRetrain: 1 } });
    expect(drift({ reference: big, current, config: lenient }).verdict).toBe('ok');
  });

  it('uses every row for PSI but a seeded reservoir of sampleRows rows for W1 and KS', () => {
    const current = batch(3000, 6, [0.2, 0, 0]);
    const path = writeBatch('big.npy', current);
    const full = drift({ reference, current: path });
    const a = drift({ reference, current: path, sampleRows: 500, seed: 7 });
    const b = drift({ reference, current: path, sampleRows: 500, seed: 7 });
    const c = drift({ reference, current: path, sampleRows: 500, seed: 8 });
    expect(a.sampleRows).toBe(500);
    expect(a.features.map((f) => f.psi)).toEqual(full.features.map((f) => f.psi));
    expect(a.features).toEqual(b.features);
    expect(a.features[0]!.wasserstein).not.toBe(c.features[0]!.wasserstein);
    // A 500-row sample stays within sampling noise of the full batch.
    expect(Math.abs(a.features[0]!.wasserstein - full.features[0]!.wasserstein)).toBeLessThan(0.1);
  });

  it('scales the batch with the reference scaler before measuring', () => {
    const parts = referenceParts(train);
    // Reference in standardized units of a scaler with mean 10, scale 2: raw = 10 + 2 z.
    const withScaler = writeReference('ref-scaled.npz', { ...parts, standardizer: { mean: Float64Array.of(10, 10, 10, 0, 0), scale: Float64Array.of(2, 2, 2, 1, 1) } });
    const z = batch(800, 2, [0.3, 0, -0.1]);
    const raw = Float32Array.from(z, (v, k) => (k % COLS < ACTIVE ? 10 + 2 * v : 0));
    const r = drift({ reference: withScaler, current: writeBatch('raw.npy', raw) });
    const plain = drift({ reference, current: writeBatch('z.npy', z) });
    for (let j = 0; j < ACTIVE; j++) {
      expect(r.features[j]!.psi).toBeAllclose(plain.features[j]!.psi, { rtol: 1e-3, atol: 1e-6 });
      expect(r.features[j]!.wasserstein).toBeAllclose(plain.features[j]!.wasserstein, { rtol: 1e-4, atol: 1e-6 });
    }
  });
});


/** KS noise level by its definition: scipy.stats.kstwobign.isf(1e-3) x sqrt(1/n + 1/m). */
const ksNoise = (n: number, m: number): number => 1.9494746035043753 * Math.sqrt(1 / n + 1 / m);

describe('drift with small samples', () => {
  it("gives 'insufficient-data', never 'retrain', for a 1-row batch, and still reports its statistics", () => {
    for (const shift of [0, 5]) {
      const current = batch(1, 12, [shift, shift, shift]);
      const r = drift({ reference, current: writeBatch(`one-${shift}.npy`, current) });
      expect(r.verdict).toBe('insufficient-data');
      expect(r.features.map((f) => f.status)).toEqual(['insufficient-data', 'insufficient-data', 'insufficient-data']);
      expectNaiveDrift(r, train, current);
      // Fixed levels would have said retrain: one row puts all its mass in one decile bin.
      expect(r.features[0]!.psi).toBeGreaterThan(0.25);
      expect(r.reasons).toEqual([
        expect.stringMatching(/^features insufficient-data: 1 row against 1500 reference rows are too few to tell a retrain-sized change from sampling noise \(PSI noise \S+ >= 0\.25, KS noise \S+ >= 0\.2\)$/),
      ]);
    }
  });

  it('judges a 400-row batch but not a 60-row one against a 1500-row reference', () => {
    const judged = drift({ reference, current: writeBatch('b400.npy', batch(400, 13)) });
    expect(judged.verdict).toBe('ok');
    expect(judged.features[0]!.noise.ks).toBeCloseTo(ksNoise(1500, 400), 9);
    const tooFew = drift({ reference, current: writeBatch('b60.npy', batch(60, 13)) });
    expect(tooFew.verdict).toBe('insufficient-data');
    expect(tooFew.features[0]!.noise.ks).toBeCloseTo(ksNoise(1500, 60), 9);
  });

  it('does not warn on unshifted batches when the reference is small, where the fixed levels would', () => {
    const small = writeReference('ref-150.npz', referenceParts(batch(150, 31)));
    let fixedLevelsWarn = 0;
    for (let seed = 40; seed < 60; seed++) {
      const r = drift({ reference: small, current: writeBatch('unshifted.npy', batch(2000, seed)) });
      expect(r.verdict).toBe('ok');
      expect(r.warnings).toEqual([expect.stringMatching(/^2000 rows against 150 reference rows: feature warn levels raised to the sampling noise \(PSI 0\.2\d*, Wasserstein \S+, KS 0\.16\d*; docs\/drift\.md\)$/)]);
      if (r.features.some((f) => f.psi >= 0.1 || f.wasserstein >= 0.1 || f.ks.statistic >= 0.1)) fixedLevelsWarn++;
    }
    expect(fixedLevelsWarn).toBeGreaterThanOrEqual(5);
  });

  it('still recommends retraining for a 1 std shift against the small reference', () => {
    const small = writeReference('ref-150b.npz', referenceParts(batch(150, 31)));
    const r = drift({ reference: small, current: writeBatch('shift1.npy', batch(2000, 61, [0, 0, 1])) });
    expect(r.features.map((f) => f.status)).toEqual(['ok', 'ok', 'retrain']);
    expect(r.verdict).toBe('retrain');
    expect(r.reasons).toEqual([expect.stringMatching(/^gamma retrain: /)]);
  });
});
