import { describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { ExactWeightedSum, combineShares, coordinateMedian, epsilonFromRdp, privacySpent, rdpCurve, splitSecret, trimmedMean } from '../../src/federated/index.js';
import { decodeSum, encodeInto, maxSummands, quantizationStep } from '../../src/federated/fixed-point.js';
import { Random } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';

describe('RDP accountant', () => {
  it("matches Opacus' published example: q=0.01, sigma=1.0, 300 steps, delta=1e-5, orders 2,5,10,20,100 -> eps 2.39 at alpha 5", () => {
    // https://opacus.ai/api/compute_dp_sgd_privacy.html (opacus.scripts.compute_dp_sgd_privacy)
    const r = privacySpent({ q: 0.01, noiseMultiplier: 1.0, steps: 300, delta: 1e-5, orders: [2, 5, 10, 20, 100] });
    expect(r.order).toBe(5);
    expect(r.epsilon).toBeCloseTo(2.39, 2);
  });

  it("matches the composition example of Opacus' rdp.py docstring: (1e-5, 1.0, 10) + (1e-4, 3.0, 4), orders 2..32 -> (0.336, 23)", () => {
    // https://github.com/pytorch/opacus/blob/main/opacus/accountants/analysis/rdp.py (module docstring)
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const a = rdpCurve(1e-5, 1.0, 10, orders);
    const b = rdpCurve(1e-4, 3.0, 4, orders);
    const r = epsilonFromRdp(orders, a.map((v, i) => v + b[i]!), 1e-5);
    expect(r.order).toBe(23);
    expect(Math.abs(r.epsilon - 0.336)).toBeLessThan(5e-4);
  });

  it('q = 1 is the limit of the sampled mechanism and epsilon grows with the rounds', () => {
    const exact = rdpCurve(1, 1.5, 1, [4])[0]!;
    const near = rdpCurve(1 - 1e-9, 1.5, 1, [4])[0]!;
    expect(near).toBeCloseTo(exact, 6);
    const e1 = privacySpent({ q: 1, noiseMultiplier: 1.5, steps: 1, delta: 1e-5 }).epsilon;
    const e5 = privacySpent({ q: 1, noiseMultiplier: 1.5, steps: 5, delta: 1e-5 }).epsilon;
    expect(e5).toBeGreaterThan(e1);
  });

  it('rejects a delta outside (0, 1) and fractional orders', () => {
    expectError(() => privacySpent({ q: 1, noiseMultiplier: 1, steps: 1, delta: 0 }), InvalidOptionError, /delta must be in \(0, 1\), got 0/);
    expectError(() => rdpCurve(0.5, 1, 1, [1.5]), InvalidOptionError, /orders must be integers >= 2, got \[1\.5\]/);
  });
});

describe('Shamir secret sharing', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255);

  it('any t of n shares recover the secret', () => {
    const shares = splitSecret(secret, 3, [1, 2, 3, 4, 5]);
    for (const pick of [[0, 1, 2], [4, 2, 0], [1, 3, 4], [0, 1, 2, 3, 4]]) {
      expect(Array.from(combineShares(pick.map((i) => shares[i]!), 3))).toEqual(Array.from(secret));
    }
  });

  it('fewer than t shares are refused; a corrupted share does not give the secret', () => {
    const shares = splitSecret(secret, 3, [7, 8, 9, 10]);
    expectError(() => combineShares(shares.slice(0, 2), 3), FormatError, /distinct shares must number at least 3, got 2/);
    const bad = shares.map((s) => ({ x: s.x, y: s.y.slice() }));
    bad[1]!.y[40] ^= 1;
    let recovered: Uint8Array | null = null;
    try {
      recovered = combineShares(bad.slice(0, 3), 3);
    } catch (err) {
      expect(err).toBeInstanceOf(FormatError);
    }
    if (recovered !== null) expect(Array.from(recovered)).not.toEqual(Array.from(secret));
  });

  it('refuses bad thresholds and points', () => {
    expectError(() => splitSecret(secret, 0, [1, 2]), InvalidOptionError, /threshold must be an integer in \[1, 2\], got 0/);
    expectError(() => splitSecret(secret, 2, [1, 1]), InvalidOptionError, /points must be distinct integers/);
  });
});

describe('ExactWeightedSum', () => {
  it('gives bit-identical sums in any order, within 2^-(F+1) per term of the float64 sum', () => {
    const rng = new Random(3);
    const vectors = Array.from({ length: 40 }, () => Float32Array.from({ length: 50 }, () => rng.normal(0, 0.5)));
    const weights = vectors.map(() => rng.int(1, 5000));
    const sums: Float64Array[] = [];
    for (let trial = 0; trial < 4; trial++) {
      const order = rng.permutation(vectors.length);
      const acc = new ExactWeightedSum(50, 10_000, 5);
      for (const i of order) acc.add(vectors[i]!, weights[i]!);
      sums.push(acc.sum());
    }
    for (const s of sums) expect(Array.from(s)).toEqual(Array.from(sums[0]!));
    // Reference: plain float64 sum (products of a float32 and an integer are exact in float64).
    const ref = new Float64Array(50);
    vectors.forEach((v, i) => v.forEach((x, j) => (ref[j] += weights[i]! * x)));
    const F = Math.floor(52 - Math.log2(10_000 * 5));
    for (let j = 0; j < 50; j++) expect(Math.abs(sums[0]![j]! - ref[j]!)).toBeLessThanOrEqual(40 * 2 ** -(F + 1) + 1e-9 * Math.abs(ref[j]!));
  });

  it('carries into the high limb without losing bits', () => {
    const acc = new ExactWeightedSum(1, 2 ** 20, 4);
    const v = Float32Array.of(3.999);
    for (let i = 0; i < 3000; i++) acc.add(v, 2 ** 20 - 1);
    expect(acc.sum()[0]).toBe(3000 * (2 ** 20 - 1) * Math.fround(3.999));
  });
});

describe('fixed-point encoding of secure aggregation', () => {
  it('decodes a sum of m vectors to within m * step / 2 of the true sum', () => {
    const fp = { clippingRange: 8, quantizationRange: 2 ** 22 };
    const rng = new Random(5);
    const m = 30;
    const sum = new Uint32Array(20);
    const truth = new Float64Array(20);
    const enc = new Uint32Array(20);
    for (let k = 0; k < m; k++) {
      const v = Float64Array.from({ length: 20 }, () => rng.uniform(-8, 8));
      v.forEach((x, j) => (truth[j] += x));
      encodeInto(v, fp, enc, 0);
      for (let j = 0; j < 20; j++) sum[j] = sum[j]! + enc[j]!;
    }
    const got = decodeSum(sum, m, fp);
    for (let j = 0; j < 20; j++) expect(Math.abs(got[j]! - truth[j]!)).toBeLessThanOrEqual((m * quantizationStep(fp)) / 2 + 1e-9);
    expect(maxSummands(fp)).toBe(1024);
  });

  it('clips values outside [-c, c]', () => {
    const fp = { clippingRange: 1, quantizationRange: 1025 };
    const out = new Uint32Array(3);
    encodeInto([-5, 0, 5], fp, out, 0);
    expect(Array.from(out)).toEqual([0, 512, 1024]);
  });
});

describe('robust aggregation', () => {
  const u = [Float32Array.of(1, -2, 10), Float32Array.of(3, 0, -4), Float32Array.of(2, 100, 0), Float32Array.of(-50, 1, 2)];

  it('coordinate-wise median: the mean of the two middle values for an even count', () => {
    // Sorted columns: [-50,1,2,3] [-2,0,1,100] [-4,0,2,10]
    expect(Array.from(coordinateMedian(u))).toEqual([1.5, 0.5, 1]);
    expect(Array.from(coordinateMedian(u.slice(0, 3)))).toEqual([2, 0, 0]);
  });

  it('trimmed mean drops floor(beta n) values at each end (scipy.stats.trim_mean)', () => {
    expect(Array.from(trimmedMean(u, 0.25))).toEqual([1.5, 0.5, 1]);
    expect(Array.from(trimmedMean(u, 0.2))).toEqual([-11, 24.75, 2]);
    expectError(() => trimmedMean(u, 0.5), InvalidOptionError, /trim_fraction must be in \[0, 0\.5\), got 0\.5/);
  });
});
