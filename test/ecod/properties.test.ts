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

function scoresOf(m: ECOD, cols: number, j: number, values: readonly number[]): number[] {
  const x = new Float32Array(values.length * cols);
  values.forEach((v, i) => (x[i * cols + j] = v));
  const f = m.featureScores({ data: x, shape: [values.length, cols] });
  return values.map((_, i) => f[i * cols + j]!);
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
    fc.assert(
      fc.property(trainArb, ({ rows, cols, data }) => {
        const m = new ECOD().fit({ data, shape: [rows, cols] });
        for (let j = 0; j < cols; j++) {
          const col = column(data, cols, j);
          const ps = probes(col);
          const got = scoresOf(m, cols, j, ps);
          ps.forEach((p, i) => expect(Math.abs(got[i]! - naiveFeatureScore(col, p, m.skewSigns[j]!))).toBeLessThanOrEqual(1e-12));
        }
      }),
      FC,
    );
  });

  it('is monotone in the tail the skewness picks: never decreases moving outward past the median', () => {
    fc.assert(
      fc.property(trainArb, ({ rows, cols, data }) => {
        const m = new ECOD().fit({ data, shape: [rows, cols] });
        for (let j = 0; j < cols; j++) {
          const g = m.skewSigns[j]!;
          if (g === 0) continue;
          const col = column(data, cols, j).sort((a, b) => a - b);
          // Right tail: x above the lower median (F_right(x) <= 1/2 <= F_left(x)); left tail mirrored.
          const median = g > 0 ? col[Math.ceil(rows / 2) - 1]! : col[rows - Math.ceil(rows / 2)]!;
          const side = probes(col).filter((p) => (g > 0 ? p > median : p < median));
          const outward = g > 0 ? side : side.reverse();
          const s = scoresOf(m, cols, j, outward);
          for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThanOrEqual(s[i - 1]!);
        }
      }),
      FC,
    );
  });

  it('scores a value beyond the training range above every value on its side of the median', () => {
    fc.assert(
      fc.property(trainArb, ({ rows, cols, data }) => {
        const m = new ECOD().fit({ data, shape: [rows, cols] });
        for (let j = 0; j < cols; j++) {
          const col = column(data, cols, j).sort((a, b) => a - b);
          const ps = probes(col);
          const s = scoresOf(m, cols, j, ps);
          const low = col[Math.ceil(rows / 2) - 1]!;
          const high = col[rows - Math.ceil(rows / 2)]!;
          ps.forEach((p, i) => {
            if (p > col[rows - 1]!) expect(s[i]!).toBeGreaterThanOrEqual(Math.max(...s.filter((_, k) => ps[k]! >= low && ps[k]! <= col[rows - 1]!)));
            if (p < col[0]!) expect(s[i]!).toBeGreaterThanOrEqual(Math.max(...s.filter((_, k) => ps[k]! <= high && ps[k]! >= col[0]!)));
          });
        }
      }),
      FC,
    );
  });
});
