import { describe, expect, it } from 'vitest';
import { erfScalar } from '../../src/tensor/index.js';

// Reference values: Python 3.11 math.erf (libm), printed with repr.
const REFERENCE: readonly [number, number][] = [
  [0.001, 0.0011283787909692365],
  [0.1, 0.1124629160182849],
  [0.3, 0.3286267594591274],
  [0.5, 0.5204998778130465],
  [0.75, 0.7111556336535151],
  [1, 0.8427007929497149],
  [1.5, 0.9661051464753108],
  [2, 0.9953222650189527],
  [3, 0.9999779095030014],
  [-0.4, -0.42839235504666845],
  [-2.5, -0.999593047982555],
  [4.5, 0.9999999998033839],
];

describe('erfScalar', () => {
  it.each(REFERENCE)('erf(%f) is accurate to float32 relative precision', (x, ref) => {
    expect(Math.abs(erfScalar(x) - ref)).toBeLessThanOrEqual(1.5e-7 * Math.abs(ref));
  });

  it('is odd and exactly 0 at 0', () => {
    expect(erfScalar(0)).toBe(0);
    expect(erfScalar(-0.8)).toBe(-erfScalar(0.8));
  });
});
