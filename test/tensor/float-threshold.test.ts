import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { floatThresholdBelow, nextDownFloat32 } from '../../src/tensor/index.js';

const FLT_MAX = 3.4028234663852886e38;
const MIN_SUB = 2 ** -149;

/** The float32 just above a float32 `f`, by exact bit arithmetic on a DataView (test-local). */
function nextUpRef(f: number): number {
  if (f === Infinity) return f;
  if (f === 0) return MIN_SUB;
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, f);
  const bits = v.getUint32(0);
  v.setUint32(0, f > 0 ? bits + 1 : bits - 1);
  return v.getFloat32(0);
}

describe('nextDownFloat32', () => {
  it('steps to the adjacent float32 towards -Infinity, across zero and at the ends', () => {
    expect(nextDownFloat32(1)).toBe(1 - 2 ** -24);
    expect(nextDownFloat32(-1)).toBe(-(1 + 2 ** -23));
    expect(nextDownFloat32(0)).toBe(-MIN_SUB);
    expect(nextDownFloat32(-0)).toBe(-MIN_SUB);
    expect(nextDownFloat32(MIN_SUB)).toBe(0);
    expect(nextDownFloat32(Infinity)).toBe(FLT_MAX);
    expect(nextDownFloat32(-FLT_MAX)).toBe(-Infinity);
    expect(nextDownFloat32(-Infinity)).toBe(-Infinity);
  });
});

describe('floatThresholdBelow', () => {
  it('returns the largest float32 at or below t for known cases', () => {
    expect(floatThresholdBelow(0.5)).toBe(0.5); // already a float32
    expect(floatThresholdBelow(0.1)).toBe(nextDownFloat32(Math.fround(0.1))); // fround(0.1) > 0.1
    expect(Math.fround(0.1)).toBeGreaterThan(0.1);
    expect(floatThresholdBelow(-0.1)).toBe(Math.fround(-0.1)); // fround(-0.1) < -0.1
    expect(floatThresholdBelow(0.7)).toBe(Math.fround(0.7)); // fround(0.7) < 0.7
    expect(Object.is(floatThresholdBelow(-0), -0)).toBe(true);
    expect(floatThresholdBelow(1e-46)).toBe(0);
    expect(floatThresholdBelow(-1e-46)).toBe(-MIN_SUB);
    expect(floatThresholdBelow(1e39)).toBe(FLT_MAX);
    expect(floatThresholdBelow(-1e39)).toBe(-Infinity);
    expect(floatThresholdBelow(Infinity)).toBe(Infinity);
    expect(floatThresholdBelow(-2)).toBe(-2);
  });

  it('is a float32 f <= t whose float32 successor is > t (fast-check, seed 42)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (t) => {
        const f = floatThresholdBelow(t);
        expect(Math.fround(f)).toBe(f);
        expect(f <= t).toBe(true);
        expect(f === Infinity || nextUpRef(f) > t).toBe(true); // +Infinity has no successor
      }),
      { seed: 42, numRuns: 20000 },
    );
  });

  it('gives float32 inputs the branch of float64(x) <= t, for x at and around t (fast-check, seed 7)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: -3, max: 3 }), (t, step) => {
        let x = Math.fround(t);
        for (let i = 0; i < Math.abs(step); i++) x = step > 0 ? nextUpRef(x) : nextDownFloat32(x);
        const f = floatThresholdBelow(t);
        // float32 comparison: both sides are float32 values, so comparing the JS doubles is exact.
        expect(x <= f).toBe(x <= t);
      }),
      { seed: 7, numRuns: 20000 },
    );
  });
});
