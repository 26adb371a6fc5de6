/**
 * KernelSHAP (Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions",
 * https://arxiv.org/abs/1705.07874): Shapley values as the weighted least-squares fit of an additive
 * model to coalition values, with the Shapley kernel `(M-1) / (C(M,s) s (M-s))` as weights. Here
 * coalitions are *sampled* from the kernel (size s with probability ∝ (M-1)/(s(M-s)), then a uniform
 * subset, each paired with its complement), so every sample carries the same regression weight;
 * the efficiency constraint `sum phi = v(F) - v(∅)` is imposed exactly by eliminating the last
 * feature (Covert & Lee 2021, https://arxiv.org/abs/2012.01536).
 */
import { DataError } from '../errors.js';
import { Random } from '../tensor/index.js';
import { maskValues, type CoalitionInputs } from './coalition-values.js';

/** What {@link kernelShap} returns. */
export interface KernelShapResult {
  /** `[M]` */
  phi: Float64Array;
  /** v(∅) */
  baseValue: number;
  /** v(F) = f(x) */
  value: number;
}

/**
 * Approximate Shapley values from `samples` sampled coalitions (plus the empty and full ones).
 * @throws DataError when the sampled coalitions do not identify every feature (too few samples)
 */
export function kernelShap(inputs: CoalitionInputs, samples: number, seed: number): KernelShapResult {
  const m = inputs.features.length;
  const z = sampleCoalitions(m, samples, new Random(seed));
  const v = maskValues(inputs, z, samples + 2);
  const v0 = v[samples]!;
  const v1 = v[samples + 1]!;
  const total = v1 - v0;
  // Unknowns phi_0..phi_{M-2}; phi_{M-1} = total - sum of the others.
  const p = m - 1;
  const ata = new Float64Array(p * p);
  const aty = new Float64Array(p);
  const row = new Float64Array(p);
  for (let k = 0; k < samples; k++) {
    const zl = z[k * m + p]!;
    const y = v[k]! - v0 - zl * total;
    for (let i = 0; i < p; i++) row[i] = z[k * m + i]! - zl;
    for (let i = 0; i < p; i++) {
      const ri = row[i]!;
      if (ri === 0) continue;
      aty[i] += ri * y;
      for (let j = 0; j < p; j++) ata[i * p + j] += ri * row[j]!;
    }
  }
  const head = solveInPlace(ata, aty, p);
  const phi = new Float64Array(m);
  let rest = total;
  for (let i = 0; i < p; i++) {
    phi[i] = head[i]!;
    rest -= head[i]!;
  }
  phi[p] = rest;
  return { phi, baseValue: v0, value: v1 };
}

/**
 * `[samples + 2, M]` 0/1 coalitions: `samples` drawn from the Shapley kernel in complementary
 * pairs, then the empty and the full coalition.
 */
function sampleCoalitions(m: number, samples: number, rng: Random): Uint8Array {
  const z = new Uint8Array((samples + 2) * m);
  const cdf = new Float64Array(m - 1);
  let acc = 0;
  for (let s = 1; s < m; s++) {
    acc += (m - 1) / (s * (m - s));
    cdf[s - 1] = acc;
  }
  for (let k = 0; k < samples; k += 2) {
    const target = rng.next() * acc;
    let s = 1;
    while (s < m - 1 && cdf[s - 1]! <= target) s++;
    const chosen = rng.sampleWithoutReplacement(m, s);
    for (let c = 0; c < chosen.length; c++) z[k * m + chosen[c]!] = 1;
    if (k + 1 < samples) for (let i = 0; i < m; i++) z[(k + 1) * m + i] = 1 - z[k * m + i]!;
  }
  z.fill(1, (samples + 1) * m, (samples + 2) * m);
  return z;
}

/** Solves `a x = b` ([n, n], symmetric positive semi-definite) by Gaussian elimination with partial pivoting. */
function solveInPlace(a: Float64Array, b: Float64Array, n: number): Float64Array {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[piv * n + col]!)) piv = r;
    if (!(Math.abs(a[piv * n + col]!) > 1e-12 * scale)) {
      throw new DataError(`shapleyValues: KernelSHAP samples must identify every feature, got a singular system at feature ${col} (raise kernelSamples)`);
    }
    if (piv !== col) {
      for (let j = 0; j < n; j++) [a[col * n + j], a[piv * n + j]] = [a[piv * n + j]!, a[col * n + j]!];
      [b[col], b[piv]] = [b[piv]!, b[col]!];
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col]! / a[col * n + col]!;
      if (f === 0) continue;
      for (let j = col; j < n; j++) a[r * n + j] -= f * a[col * n + j]!;
      b[r] -= f * b[col]!;
    }
  }
  const xOut = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < n; j++) s -= a[r * n + j]! * xOut[j]!;
    xOut[r] = s / a[r * n + r]!;
  }
  return xOut;
}
