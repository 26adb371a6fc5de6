/** Ranking metrics against naive implementations written here and hand-computed cases. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averagePrecision, precisionRecallAt, rankData, rocAuc, spearman } from '../../src/stats/index.js';

/** AUC by comparing every positive with every negative (ties = 1/2). */
function naiveAuc(s: number[], y: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    for (let j = 0; j < s.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      pairs++;
      wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** AP from its definition: at each distinct threshold t (high to low) flag score >= t. */
function naiveAp(s: number[], y: number[]): number {
  const thresholds = [...new Set(s)].sort((a, b) => b - a);
  const positives = y.filter((v) => v === 1).length;
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    let tp = 0;
    let flagged = 0;
    for (let i = 0; i < s.length; i++) {
      if (s[i]! >= t) {
        flagged++;
        tp += y[i]!;
      }
    }
    ap += (tp / positives - prevRecall) * (tp / flagged);
    prevRecall = tp / positives;
  }
  return ap;
}

/** Average rank by counting: rank = (#less) + (#equal + 1) / 2. */
function naiveRanks(a: number[]): number[] {
  return a.map((v) => a.filter((w) => w < v).length + (a.filter((w) => w === v).length + 1) / 2);
}

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((p, v) => p + v, 0) / a.length;
  const mb = b.reduce((p, v) => p + v, 0) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

// Scores on a coarse grid so that ties are common; labels with both classes.
const scored = fc
  .integer({ min: 2, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 8 }).map((k) => k / 4), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
    ),
  )
  .filter(([, y]) => y.includes(0) && y.includes(1));

describe('rocAuc', () => {
  it('matches hand-computed cases, a tie counting one half', () => {
    // positives 0.4, 0.8 vs negatives 0.1, 0.4: 0.8>0.4, 0.8>0.1, 0.4=0.4 (1/2), 0.4>0.1 -> 3.5 / 4
    expect(rocAuc(Float64Array.of(0.1, 0.4, 0.4, 0.8), [0, 0, 1, 1])).toBeCloseTo(3.5 / 4, 15);
    expect(rocAuc(Float64Array.of(0.1, 0.4, 0.35, 0.8), [0, 0, 1, 1])).toBe(0.75); // sklearn docs example
  });
  it('equals the all-pairs count', () => {
    fc.assert(
      fc.property(scored, ([s, y]) => Math.abs(rocAuc(Float64Array.from(s), y) - naiveAuc(s, y)) < 1e-12),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('averagePrecision', () => {
  it('matches hand-computed sklearn examples', () => {
    // sklearn docs: y=[0,0,1,1], scores=[0.1,0.4,0.35,0.8] -> 0.8333...
    expect(averagePrecision(Float64Array.of(0.1, 0.4, 0.35, 0.8), [0, 0, 1, 1])).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 15);
    // all tied: one threshold, precision = prevalence
    expect(averagePrecision(Float64Array.of(1, 1, 1, 1), [1, 0, 0, 0])).toBe(0.25);
  });
  it('equals the threshold-by-threshold definition', () => {
    fc.assert(
      fc.property(scored, ([s, y]) => Math.abs(averagePrecision(Float64Array.from(s), y) - naiveAp(s, y)) < 1e-12),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('precisionRecallAt', () => {
  it('flags score > threshold (strict) and counts the confusion matrix', () => {
    const r = precisionRecallAt(Float64Array.of(0.9, 0.5, 0.5, 0.2, 0.7), [1, 1, 0, 0, 0], 0.5);
    expect(r).toEqual({ tp: 1, fp: 1, tn: 2, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5 });
  });
  it('returns 0 precision/recall/f1 when nothing is flagged', () => {
    const r = precisionRecallAt(Float64Array.of(0.1, 0.2), [1, 0], 5);
    expect([r.precision, r.recall, r.f1, r.fn, r.tn]).toEqual([0, 0, 0, 1, 1]);
  });
});

describe('rankData', () => {
  it('gives average ranks to ties (scipy rankdata example)', () => {
    expect(Array.from(rankData(Float64Array.of(0, 2, 3, 2)))).toEqual([1, 2.5, 4, 2.5]);
  });
  it('equals counting ranks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 60 }), (a) => {
        expect(Array.from(rankData(Float64Array.from(a)))).toEqual(naiveRanks(a));
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('spearman', () => {
  it('is 1 / -1 for monotone relations and NaN for a constant input', () => {
    expect(spearman(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 4, 9, 16))).toBe(1);
    expect(spearman(Float64Array.of(1, 2, 3, 4), Float64Array.of(4, 3, 2, 1))).toBe(-1);
    expect(spearman(Float64Array.of(1, 2, 3), Float64Array.of(5, 5, 5))).toBeNaN();
  });
  it('matches a hand-computed case with ties: ranks [1,2.5,2.5,4] vs [1,2,3,4]', () => {
    expect(spearman(Float64Array.of(1, 2, 2, 3), Float64Array.of(1, 2, 3, 4))).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 14);
  });
  it('equals Pearson of counting ranks', () => {
    const pairs = fc
      .integer({ min: 3, max: 40 })
      .chain((n) => fc.tuple(...[0, 1].map(() => fc.array(fc.integer({ min: 0, max: 6 }), { minLength: n, maxLength: n }))));
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        const want = pearson(naiveRanks(a!), naiveRanks(b!));
        const got = spearman(Float64Array.from(a!), Float64Array.from(b!));
        return Number.isNaN(want) ? Number.isNaN(got) : Math.abs(got - want) < 1e-12;
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
