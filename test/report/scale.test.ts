import { describe, expect, it } from 'vitest';
import { makeScale } from '../../src/report/index.js';
import { wideRange } from '../../src/report/scale.js';
import { expectError } from '../tensor/expect-error.js';

describe('makeScale', () => {
  it('maps a nice linear domain onto the range', () => {
    const s = makeScale({ kind: 'linear', extent: [0.13, 0.87], range: [0, 100] });
    expect(s.domain).toEqual([0.1, 0.9]);
    expect(s.map(0.1)).toBe(0);
    expect(s.map(0.5)).toBeCloseTo(50, 12);
    expect(s.map(0.9)).toBeCloseTo(100, 12);
    expect(s.ticks).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(s.format(0.5)).toBe('0.5');
  });

  it('maps a y axis downwards (SVG y grows down) and keeps the extent when not nice', () => {
    const s = makeScale({ kind: 'linear', extent: [0, 1], range: [200, 0], nice: false });
    expect(s.map(0)).toBe(200);
    expect(s.map(1)).toBe(0);
    expect(s.map(0.25)).toBe(150);
  });

  it('maps a log domain by decades', () => {
    const s = makeScale({ kind: 'log', extent: [0.003, 40], range: [0, 500] });
    expect(s.domain).toEqual([0.001, 100]);
    expect(s.map(0.001)).toBe(0);
    expect(s.map(0.1)).toBeCloseTo(200, 9);
    expect(s.map(1)).toBeCloseTo(300, 9);
    expect(s.ticks).toEqual([0.001, 0.01, 0.1, 1, 10, 100]);
    expect(s.format(0.001)).toBe('0.001');
  });

  it('refuses a log scale over values that are not positive', () => {
    expectError(() => makeScale({ kind: 'log', extent: [0, 1], range: [0, 1] }), RangeError, /^makeScale: a log scale's extent must be positive, got \[0, 1\]$/);
  });
});

describe('wideRange', () => {
  it('is true only for positive values spanning more than the ratio', () => {
    expect(wideRange([0.01, 0.5, 2], 100)).toBe(true); // 200-fold
    expect(wideRange([0.01, 0.5, 0.9], 100)).toBe(false); // 90-fold
    expect(wideRange([0, 0.5, 200], 100)).toBe(false);
    expect(wideRange([-1, 1000], 100)).toBe(false);
    expect(wideRange([NaN, 1, 1000], 100)).toBe(false);
  });
});
