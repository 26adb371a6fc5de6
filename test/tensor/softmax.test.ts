import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { Tensor, logSoftmax, softmax } from '../../src/tensor/index.js';
import { expectError } from './expect-error.js';

const rows = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }))
  .chain(([r, c]) =>
    fc.tuple(fc.constant([r, c]), fc.float32Array({ minLength: r * c, maxLength: r * c, noNaN: true, noDefaultInfinity: true, min: -80, max: 80 })),
  );

describe('softmax', () => {
  it('rows sum to 1 and are non-negative', () => {
    fc.assert(
      fc.property(rows, ([shape, data]) => {
        const y = softmax(new Tensor(data, shape));
        for (let r = 0; r < shape[0]!; r++) {
          let s = 0;
          for (let j = 0; j < shape[1]!; j++) {
            const v = y.data[r * shape[1]! + j]!;
            expect(v).toBeGreaterThanOrEqual(0);
            s += v;
          }
          expect(Math.abs(s - 1)).toBeLessThan(1e-5);
        }
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('is invariant to adding a constant to a row', () => {
    fc.assert(
      fc.property(rows, fc.float({ min: -50, max: 50, noNaN: true }), ([shape, data], c) => {
        const shifted = Float32Array.from(data, (v) => v + c);
        const a = softmax(new Tensor(data, shape));
        const b = softmax(new Tensor(shifted, shape));
        // The shift itself rounds in float32: |dx| <= ulp(|x|+|c|) ~ 1e-5, so probabilities move by ~1e-5 relatively.
        expect(b.data).toBeAllclose(a.data, { rtol: 3e-5, atol: 1e-6 });
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('does not overflow for large inputs (max subtraction)', () => {
    const y = softmax(new Tensor(Float32Array.from([1000, 1000]), [2]));
    expect(Array.from(y.data)).toEqual([0.5, 0.5]);
    const l = logSoftmax(new Tensor(Float32Array.from([1000, 0]), [2]));
    expect(l.data[0]).toBe(0);
    expect(l.data[1]).toBe(-1000);
  });

  it('works along a non-last axis', () => {
    const y = softmax(new Tensor(Float32Array.from([0, 5, 0, 5]), [2, 2]), 0);
    expect(Array.from(y.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('throws ShapeError for an axis out of range', () => {
    const x = new Tensor(new Float32Array(6), [2, 3]);
    expectError(() => softmax(x, 2), ShapeError, /^softmax: axis must be an integer in \[-2, 1\] for shape \[2,3\], got 2$/);
  });
});
