/** stridedIndex and broadcastIndex (src/tensor/broadcast.ts) against their definitions, unravelled element by element. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastIndex, stridedIndex } from '../../src/tensor/kernels.js';
import { unravel } from '../autograd/reference-f64.js';

describe('stridedIndex', () => {
  it('gives sum_d coordinate[d] * steps[d] for every element, for any shape, zeros and ones included', () => {
    const case_ = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -7, max: 7 })), { minLength: 0, maxLength: 5 });
    fc.assert(fc.property(case_, (dims) => {
      const shape = dims.map(([n]) => n);
      const steps = dims.map(([, s]) => s);
      const total = shape.reduce((a, b) => a * b, 1);
      const want = Array.from({ length: total }, (_, i) => unravel(i, shape).reduce((acc, c, d) => acc + c * steps[d]!, 0));
      expect(Array.from(stridedIndex(shape, steps))).toEqual(want);
    }), { numRuns: 300 });
  });

  it('maps a broadcast output to the input elements it reads', () => {
    // [3, 1] against [2, 3, 4]: out[i][j][k] reads in[j][0].
    const idx = broadcastIndex([3, 1], [2, 3, 4]);
    const want = Array.from({ length: 24 }, (_, i) => unravel(i, [2, 3, 4])[1]!);
    expect(Array.from(idx)).toEqual(want);
  });
});
