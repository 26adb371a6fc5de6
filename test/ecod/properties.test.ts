/** fast-check properties of ECOD's scoring of new rows (fixed seed; float32-exact values). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ECOD } from '../../src/ecod/index.js';
import { column, naiveFeatureScore } from './helpers.js';

const FC = { seed: 42, numRuns: 120 };

/** A training matrix (shape first, then values) with no constant column: continuous or heavily tied. */
const trainArb = fc
  .record({ rows: fc.integer({ min: 3, max: 40 }), cols: fc.integer({ min: 1, max: 4 }), tied: fc.boolean() })
  .chain(({ rows, cols, tied }) => {
    const value = tied ? fc.integer({ min: -3, max: 3 }) : fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }).map(Math.fround);
    return fc.array(value, { minLength: rows * cols, maxLength: rows * cols }).map((v) => ({ rows, cols, data: Float32Array.from(v) }));
  })
  .filter(({ cols, data }) => Array.from({ length: cols }, (_, j) => new Set(column(data, cols, j)).size > 1).every(Boolean));

/** Probe values: every training value, its float32 neighbours, points between, and values beyond the range. */
function probes(col: readonly number[]): number[] {
  const out = new Set<number>();
  const lo = Math.min(...col);
  const hi = Math.max(...col);
  for (const v of col) for (const d of [-0.5, -1e-3, 0, 1e-3, 0.5]) out.add(Math.fround(v + d));
  for (const v of [lo - 1, lo - 1000, hi + 1, hi + 1000]) out.add(Math.fround(v));
  return [...out].sort((a, b) => a - b);
}

interface FeatureCase {
  m: ECOD;
  j: number;
  /** Training column j in row order. */
  col: number[];
  /** Feature j's term for each value (the other columns 0). */
  terms: (values: readonly number[]) => number[];
}

/** Fits ECOD on each generated training matrix and runs `check` on every feature. */
function forEveryFeature(check: (c: FeatureCase) => void): void {
  fc.assert(
    fc.property(trainArb, ({ rows, cols, data }) => {
      const m = new ECOD().fit({ data, shape: [rows, cols] });
      for (let j = 0; j < cols; j++) {
        const terms = (values: readonly number[]): number[] => {
          const x = new Float32Array(values.length * cols);
          values.forEach((v, i) => (x[i * cols + j] = v));
          const f = m.featureScores({ data: x, shape: [values.length, cols] });
          return values.map((_, i) => f[i * cols + j]!);
        };
        check({ m, j, col: column(data, cols, j), terms });
      }
    }),
    FC,
  );
}

describe('ECOD properties', () => {
  it('is invariant to the order of the training rows (tables and scores identical)', () => {
    fc.assert(
      fc.property(trainArb, fc.nat(), ({ rows, cols, data }, seed) => {
        const perm = Array.from({ length: rows }, (_, i) => i);
        for (let i = rows - 1; i > 0; i--) {
          const k = (seed + i * 7919) % (i + 1);
          [perm[i], perm[k]] = [perm[k]!, perm[i]!];
        }
        const shuffled = new Float32Array(data.length);
        perm.forEach((p, i) => shuffled.set(data.subarray(p * cols, (p + 1) * cols), i * cols));
        const a = new ECOD().fit({ data, shape: [rows, cols] });
        const b = new ECOD().fit({ data: shuffled, shape: [rows, cols] });
        expect(b.toArrays()).toEqual(a.toArrays());
        const sa = a.anomalyScore({ data, shape: [rows, cols] });
        const sb = b.anomalyScore({ data, shape: [rows, cols] });
        expect(Array.from(sb)).toEqual(Array.from(sa));
      }),
      FC,
    );
  });

  it('scores any value as docs/ecod.md defines (naive counting reference)', () => {
    forEveryFeature(({ m, j, col, terms }) => {
      const ps = probes(col);
      const got = terms(ps);
      ps.forEach((p, i) => expect(Math.abs(got[i]! - naiveFeatureScore(col, p, m.skewSigns[j]!))).toBeLessThanOrEqual(1e-12));
    });
  });

  it('is monotone in the tail the skewness picks: never decreases moving outward past the median', () => {
    forEveryFeature(({ m, j, col, terms }) => {
      const g = m.skewSigns[j]!;
      if (g === 0) return;
      const sorted = col.slice().sort((a, b) => a - b);
      const n = sorted.length;
      // Right tail: x above the lower median (F_right(x) <= 1/2 <= F_left(x)); left tail mirrored.
      const median = g > 0 ? sorted[Math.ceil(n / 2) - 1]! : sorted[n - Math.ceil(n / 2)]!;
      const side = probes(col).filter((p) => (g > 0 ? p > median : p < median));
      const s = terms(g > 0 ? side : side.reverse());
      for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThanOrEqual(s[i - 1]!);
    });
  });

  it('scores a value beyond the training range above every value on its side of the median', () => {
    forEveryFeature(({ col, terms }) => {
      const sorted = col.slice().sort((a, b) => a - b);
      const n = sorted.length;
      const [min, max] = [sorted[0]!, sorted[n - 1]!];
      const [low, high] = [sorted[Math.ceil(n / 2) - 1]!, sorted[n - Math.ceil(n / 2)]!];
      const ps = probes(col);
      const s = terms(ps);
      const highest = (keep: (p: number) => boolean): number => Math.max(...s.filter((_, k) => keep(ps[k]!)));
      ps.forEach((p, i) => {
        if (p > max) expect(s[i]!).toBeGreaterThanOrEqual(highest((q) => q >= low && q <= max));
        if (p < min) expect(s[i]!).toBeGreaterThanOrEqual(highest((q) => q <= high && q >= min));
      });
    });
  });
});
