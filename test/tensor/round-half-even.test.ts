import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { roundHalfEven } from '../../src/tensor/index.js';

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour, like numpy.rint', () => {
    const cases: [number, number][] = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [127.5, 128], [126.5, 126],
      [0.49999997, 0], [-3.7, -4], [2 ** 60, 2 ** 60],
    ];
    // `+ 0` folds -0 into 0: the sign of a zero result does not matter to any caller.
    for (const [v, want] of cases) expect(roundHalfEven(v) + 0).toBe(want);
  });

  it('rounds non-ties to the nearest integer and ties to an even one', () => {
    const halves = fc.integer({ min: -1e6, max: 1e6 }).map((i) => i + 0.5);
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), halves), (v) => {
        const r = roundHalfEven(v);
        expect(Math.abs(r - v)).toBeLessThanOrEqual(0.5);
        if (v - Math.floor(v) === 0.5) expect(Math.abs(r % 2)).toBe(0);
        else expect(r).toBe(Math.round(v));
      }),
      { seed: 42 },
    );
  });
});
