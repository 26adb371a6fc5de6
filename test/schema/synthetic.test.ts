import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { ATTACK_FEATURES, ATTACK_NAMES, ENDPOINT_V1, generateHostData, normalizeCore, type AttackName } from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';

const ATTACKS = ATTACK_NAMES.slice(1) as AttackName[];
const col = (name: string): number => ENDPOINT_V1.featureNames.indexOf(name);

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (test-only reference). */
function jacobiEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p]![q]!) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * m[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: m.map((r, i) => r[i]!), vectors: v };
}

/** ROC-AUC by the rank-sum (Mann–Whitney) formula; scores are continuous so ties are ignored. */
function rocAuc(scores: Float64Array, labels: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((i, j) => scores[i]! - scores[j]!);
  let rankSum = 0;
  let positives = 0;
  order.forEach((idx, r) => {
    if (labels[idx] === 1) {
      rankSum += r + 1;
      positives++;
    }
  });
  const negatives = labels.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

describe('generateHostData', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = generateHostData({ rows: 500, seed: 3, anomalyRate: 0.1 });
    const b = generateHostData({ rows: 500, seed: 3, anomalyRate: 0.1 });
    const c = generateHostData({ rows: 500, seed: 4, anomalyRate: 0.1 });
    expect(Array.from(b.raw)).toEqual(Array.from(a.raw));
    expect(Array.from(b.attackType)).toEqual(Array.from(a.attackType));
    expect(Array.from(c.raw)).not.toEqual(Array.from(a.raw));
  });

  it('injects exactly round(rows * anomalyRate) anomalies with consistent labels and attack types', () => {
    for (const [rows, rate] of [[1000, 0.02], [999, 0.0125], [7, 0.5], [100, 0], [50, 1]] as const) {
      const d = generateHostData({ rows, seed: 1, anomalyRate: rate });
      expect(d.raw.length).toBe(rows * 12);
      const n = d.labels.reduce((s, v) => s + v, 0);
      expect(n).toBe(Math.round(rows * rate));
      for (let i = 0; i < rows; i++) {
        expect(d.labels[i] === 1).toBe(d.attackType[i]! > 0);
        expect(d.attackType[i]!).toBeLessThan(d.attackNames.length);
      }
    }
    const d = generateHostData({ rows: 4000, seed: 2, anomalyRate: 0.02 });
    const perType = [0, 0, 0, 0, 0];
    d.attackType.forEach((t) => perType[t]!++);
    expect(perType.slice(1)).toEqual([20, 20, 20, 20]);
    expect(d.attackNames).toEqual(['normal', 'exfiltration', 'privilege_escalation', 'ransomware', 'lateral_movement']);
  });

  it('injects only the requested attack kinds', () => {
    const d = generateHostData({ rows: 300, seed: 5, anomalyRate: 0.1, attacks: ['ransomware'] });
    const code = ATTACK_NAMES.indexOf('ransomware');
    for (let i = 0; i < 300; i++) expect(d.attackType[i] === 0 || d.attackType[i] === code).toBe(true);
  });

  it('produces non-negative integer counts and non-negative entropy', () => {
    const d = generateHostData({ rows: 2000, seed: 9, anomalyRate: 0.05 });
    const entropy = col('cmdline_entropy');
    for (let k = 0; k < d.raw.length; k++) {
      const v = d.raw[k]!;
      expect(v).toBeGreaterThanOrEqual(0);
      if (k % 12 !== entropy) expect(Number.isInteger(v)).toBe(true);
    }
    expect(new Set(d.profile).size).toBe(4);
  });

  it('normal rows are the same with or without anomalies; attacks change only their documented features', () => {
    const clean = generateHostData({ rows: 3000, seed: 11 });
    const dirty = generateHostData({ rows: 3000, seed: 11, anomalyRate: 0.05 });
    for (let i = 0; i < 3000; i++) {
      const allowed = dirty.attackType[i] === 0 ? [] : ATTACK_FEATURES[dirty.attackNames[dirty.attackType[i]!] as AttackName].map(col);
      for (let j = 0; j < 12; j++) {
        if (!allowed.includes(j)) expect(dirty.raw[i * 12 + j]).toBe(clean.raw[i * 12 + j]);
      }
    }
  });

  it('normalized normal rows are roughly standardized by the fixed endpoint-v1 constants', () => {
    const d = generateHostData({ rows: 20000, seed: 21 });
    const z = normalizeCore(d.raw);
    for (let j = 0; j < 12; j++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < 20000; i++) {
        s += z[i * 12 + j]!;
        s2 += z[i * 12 + j]! ** 2;
      }
      const mean = s / 20000;
      const sd = Math.sqrt(s2 / 20000 - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(0.25);
      expect(sd).toBeGreaterThan(0.7);
      expect(sd).toBeLessThan(1.4);
    }
  });

  it('attack rows deviate several sigma in their documented features and not in the others', () => {
    const d = generateHostData({ rows: 20000, seed: 7, anomalyRate: 0.04 });
    const z = normalizeCore(d.raw);
    const mean = new Float64Array(12);
    const sd = new Float64Array(12);
    let nNormal = 0;
    for (let i = 0; i < 20000; i++) {
      if (d.labels[i] === 1) continue;
      nNormal++;
      for (let j = 0; j < 12; j++) mean[j]! += z[i * 12 + j]!;
    }
    for (let j = 0; j < 12; j++) mean[j]! /= nNormal;
    for (let i = 0; i < 20000; i++) {
      if (d.labels[i] === 1) continue;
      for (let j = 0; j < 12; j++) sd[j]! += (z[i * 12 + j]! - mean[j]!) ** 2 / nNormal;
    }
    for (const attack of ATTACKS) {
      const code = ATTACK_NAMES.indexOf(attack);
      const documented = ATTACK_FEATURES[attack].map(col);
      let inSum = 0;
      let inN = 0;
      let outSum = 0;
      let outN = 0;
      for (let i = 0; i < 20000; i++) {
        if (d.attackType[i] !== code) continue;
        for (let j = 0; j < 12; j++) {
          const absZ = Math.abs(z[i * 12 + j]! - mean[j]!) / Math.sqrt(sd[j]!);
          if (documented.includes(j)) {
            inSum += absZ;
            inN++;
          } else {
            outSum += absZ;
            outN++;
          }
        }
      }
      const inMean = inSum / inN;
      const outMean = outSum / outN;
      expect(documented.length).toBeGreaterThanOrEqual(2);
      expect(documented.length).toBeLessThanOrEqual(4);
      // Means of |z| over a fleet mix (z relative to all normal rows, so profile spread included):
      // about 1.4-2.1 on the documented features against ~0.8 on the untouched ones.
      expect(inMean, attack).toBeGreaterThan(1.3);
      expect(outMean, attack).toBeLessThan(1.1);
      expect(inMean / outMean, attack).toBeGreaterThan(1.6);
    }
  });

  it('attacks are detectable off the normal manifold: PCA(8) reconstruction error reaches ROC-AUC >= 0.95', () => {
    // A linear stand-in for the 64->32->8->32->64 autoencoder: fit an 8-dim principal subspace
    // on all (contaminated) rows and score by the squared residual.
    const rows = 20000;
    const d = generateHostData({ rows, seed: 0, anomalyRate: 0.02 });
    const z = normalizeCore(d.raw);
    const mean = new Array(12).fill(0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < 12; j++) mean[j] += z[i * 12 + j]! / rows;
    const cov = Array.from({ length: 12 }, () => new Array(12).fill(0));
    for (let i = 0; i < rows; i++) {
      for (let a = 0; a < 12; a++) {
        const ca = z[i * 12 + a]! - mean[a];
        for (let b = 0; b < 12; b++) cov[a]![b] += (ca * (z[i * 12 + b]! - mean[b])) / rows;
      }
    }
    const { values, vectors } = jacobiEigen(cov);
    const top = Array.from(values.keys()).sort((p, q) => values[q]! - values[p]!).slice(0, 8);
    const scores = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const c = Array.from({ length: 12 }, (_, j) => z[i * 12 + j]! - mean[j]);
      let total = c.reduce((s, v) => s + v * v, 0);
      for (const k of top) {
        const proj = c.reduce((s, v, j) => s + v * vectors[j]![k]!, 0);
        total -= proj * proj;
      }
      scores[i] = total;
    }
    expect(rocAuc(scores, d.labels)).toBeGreaterThanOrEqual(0.95);
    // Not trivial: thresholding the single most extreme feature is clearly worse.
    const maxAbs = new Float64Array(rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < 12; j++) maxAbs[i] = Math.max(maxAbs[i]!, Math.abs(z[i * 12 + j]!));
    expect(rocAuc(maxAbs, d.labels)).toBeLessThan(0.93);
  });

  it('throws InvalidOptionError for bad options', () => {
    expectError(() => generateHostData({ rows: -1, seed: 0 }), InvalidOptionError, /^generateHostData: rows must be a non-negative integer, got -1$/);
    expectError(() => generateHostData({ rows: 10, seed: 0, anomalyRate: 1.5 }), InvalidOptionError, /^generateHostData: anomalyRate must be a number in \[0, 1\], got 1.5$/);
    expectError(() => generateHostData({ rows: 10, seed: 0, anomalyRate: 0.1, attacks: ['phishing' as AttackName] }), InvalidOptionError, /^generateHostData: attacks must be a non-empty list of exfiltration, privilege_escalation, ransomware, lateral_movement, got \["phishing"\]$/);
    expectError(() => generateHostData({ rows: 10, seed: -2 }), InvalidOptionError, /^Random: seed must be a non-negative safe integer, got -2$/);
  });
});
