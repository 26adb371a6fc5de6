/** Which rows the float vs int8 chart draws. */
import { describe, expect, it } from 'vitest';
import { scatterSample } from '../../src/report/index.js';

describe('scatterSample', () => {
  it('keeps every flipped row, then the flagged rows, then spreads the rest, within max points', () => {
    // 1,000 rows; rows 10 and 20 flip at threshold 0.5, rows 990.. are flagged by both.
    const a = Float32Array.from({ length: 1000 }, (_, i) => i / 1000);
    const b = Float32Array.from(a);
    b[10] = 0.9;
    b[20] = 0.6;
    const s = scatterSample(a, b, 0.5, 100);
    expect(s.float.length).toBeLessThanOrEqual(100);
    expect(s.float.length).toBeGreaterThan(90);
    expect(s.float).toContain(a[10]);
    expect(s.quantized).toContain(b[20]);
    // The spread covers the whole range of scores.
    expect(Math.min(...s.float)).toBeLessThan(0.01);
    expect(Math.max(...s.float)).toBeGreaterThan(0.99);
  });

  it('returns every row when there are fewer than max', () => {
    const a = Float32Array.of(0.1, 0.7, 0.3);
    expect(scatterSample(a, a, 0.5, 10)).toEqual({ float: [a[0], a[1], a[2]], quantized: [a[0], a[1], a[2]] });
  });
});
