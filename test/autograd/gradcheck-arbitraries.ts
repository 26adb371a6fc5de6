/**
 * fast-check arbitraries for gradcheck.test.ts: shapes (and op parameters) first, then float32-exact
 * values of a kind that keeps finite differences away from kinks, poles and ties.
 */
import fc from 'fast-check';
import type * as A from '../../src/autograd/index.js';
import type { F64 } from './reference-f64.js';

/**
 * 'any': [-2, 2]; 'positive': [0.25, 2] (log, sqrt, fractional powers); 'awayFromZero':
 * |x| in [0.125, 2] (abs, relu, divisors); 'spaced': distinct multiples of 1/16 (max, clamp), so no
 * tie or clamp bound lies within a finite-difference step of a value.
 */
export type Kind = 'any' | 'positive' | 'awayFromZero' | 'spaced';

/** One generated op application: input shapes, dadm's op and the float64 reference forward. */
export interface Inst {
  shapes: number[][];
  kinds?: Kind[];
  fwd: (xs: A.Var[]) => A.Var;
  ref: (xs: F64[]) => F64;
}

const float = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true });

function value(kind: Exclude<Kind, 'spaced'>): fc.Arbitrary<number> {
  if (kind === 'positive') return float(0.25, 2);
  if (kind === 'awayFromZero') return fc.tuple(float(0.125, 2), fc.boolean()).map(([v, neg]) => (neg ? -v : v));
  return float(-2, 2);
}

/** `n` float32-exact values of `kind`. */
export function valuesOf(n: number, kind: Kind): fc.Arbitrary<Float32Array> {
  if (kind === 'spaced') {
    return fc.uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: n, maxLength: n }).map((ks) => Float32Array.from(ks, (k) => k / 16));
  }
  return fc.array(value(kind), { minLength: n, maxLength: n }).map((v) => Float32Array.from(v));
}

const dim = fc.integer({ min: 1, max: 4 });
const shape = fc.array(dim, { minLength: 1, maxLength: 3 });

/** `s` with some leading dims dropped (keeping at least `minRank`) and some dims set to 1. */
function broadcastableTo(s: readonly number[], minRank: number): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: Math.max(0, s.length - minRank) }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))
    .map(([drop, ones]) => s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

export const arbs = {
  value,
  shape,
  /** `k` shapes that broadcast together, each of rank >= 1. */
  broadcastShapes: (k: number) => shape.chain((s) => fc.tuple(...Array.from({ length: k }, () => broadcastableTo(s, 1)))),
  /** A shape and an axis in [-rank, rank). */
  shapeAxis: shape.chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 }))),
  /** A shape and an axis in [-rank, rank) or null (reduce everything). */
  shapeAxisOrAll: shape.chain((s) =>
    fc.tuple(fc.constant(s), fc.option(fc.integer({ min: -s.length, max: s.length - 1 }), { nil: null })),
  ),
  /** `[..., m, k]` and `[..., k, n]` with batch dims (0 to 2) that broadcast. */
  matmulShapes: fc
    .tuple(dim, dim, dim, fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }))
    .chain(([m, k, n, batch]) =>
      fc.tuple(broadcastableTo(batch, 0), broadcastableTo(batch, 0)).map(([ba, bb]) => [[...ba, m, k], [...bb, k, n]]),
    ),
  /** A shape of rank 1 to 4 and a permutation of its axes. */
  permutation: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }).chain((s) =>
    fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })),
  ),
  /** 1 to 3 shapes equal except along `axis`, and that axis. */
  concatShapes: fc.tuple(shape, fc.nat(), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })).map(
    ([s, pick, lens]): [number[][], number] => {
      const axis = pick % s.length;
      return [lens.map((l) => s.map((d, i) => (i === axis ? l : d))), axis];
    },
  ),
  /** A shape, an in-range slice spec (axis normalised) and the axis as passed to dadm (maybe negative). */
  sliceSpec: shape.chain((s) =>
    fc.integer({ min: -s.length, max: s.length - 1 }).chain((axisArg) => {
      const axis = (axisArg + s.length) % s.length;
      const len = s[axis]!;
      return fc
        .tuple(fc.integer({ min: 0, max: len - 1 }), fc.integer({ min: 1, max: 3 }))
        .chain(([start, step]) =>
          fc.integer({ min: start + 1, max: len }).map((end) => [s, { axis, start, end, step }, axisArg] as const),
        );
    }),
  ),
};
