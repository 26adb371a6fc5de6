/** sortAscending (radix path for float32) and the binary searches. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortAscending } from '../../src/stats/index.js';
import { lowerBound, upperBound } from '../../src/tensor/index.js';

describe('sortAscending', () => {
  it('radix-sorts float32 (negatives, -0/+0, subnormals, extremes) like a comparison sort', () => {
    const special = [0, -0, 1.4e-45, -1.4e-45, 3.4e38, -3.4e38, 1, -1, 1e-40, -1e-40];
    const arb = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 512, maxLength: 3000 });
    fc.assert(
      fc.property(arb, (values) => {
        const data = Float32Array.from([...values, ...special]);
        const want = Array.from(data).sort((a, b) => a - b || (Object.is(a, -0) ? -1 : Object.is(b, -0) ? 1 : 0));
        const got = sortAscending(data);
        expect(got).toBeInstanceOf(Float32Array);
        expect(Array.from(got)).toEqual(want);
      }),
      { seed: 42, numRuns: 25 },
    );
  });
  it('does not modify its input', () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const copy = data.slice();
    sortAscending(data);
    expect(data).toEqual(copy);
  });
});

describe('lowerBound / upperBound', () => {
  it('count values < x and <= x (searchsorted left / right)', () => {
    const s = Float64Array.of(1, 2, 2, 2, 5);
    expect([0, 1, 2, 3, 5, 6].map((x) => lowerBound(s, x))).toEqual([0, 0, 1, 4, 4, 5]);
    expect([0, 1, 2, 3, 5, 6].map((x) => upperBound(s, x))).toEqual([0, 1, 4, 4, 5, 5]);
  });
});
