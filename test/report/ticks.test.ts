/** Nice-number ticks (Heckbert 1990): expected values worked out by hand from the rounding rule. */
import { describe, expect, it } from 'vitest';
import { formatTick, linearTicks, logTicks, niceDomain, niceLogDomain, niceStep } from '../../src/report/index.js';

describe('niceStep', () => {
  it('rounds span / count to 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(1, 5)).toBe(0.2); // 0.2 -> 2 x 0.1
    expect(niceStep(100, 5)).toBe(20); // 20 -> 2 x 10
    expect(niceStep(15.9, 5)).toBe(5); // 3.18 -> 5 (3 <= f < 7)
    expect(niceStep(7, 5)).toBe(1); // 1.4 -> 1 (f < 1.5)
    expect(niceStep(0.0087, 4)).toBeCloseTo(0.002, 15); // 0.002175 -> 2 x 0.001
    expect(niceStep(80, 10)).toBe(10); // 8 -> 10 (f >= 7)
  });
});

describe('linearTicks', () => {
  it('puts ticks at multiples of the step inside the range, ends included', () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-3.7, 12.2, 5)).toEqual([0, 5, 10]);
    expect(linearTicks(20, 20000, 4)).toEqual([5000, 10000, 15000, 20000]);
  });

  it('prints decimal steps exactly (0.3, not 0.30000000000000004) and never -0', () => {
    const t = linearTicks(0, 0.3, 3);
    expect(t).toEqual([0, 0.1, 0.2, 0.3]);
    expect(t.map(String)).toEqual(['0', '0.1', '0.2', '0.3']);
    expect(Object.is(linearTicks(-0.2, 0.2, 2)[1], -0)).toBe(false);
  });

  it('widens a range of one value so that it still has ticks', () => {
    expect(linearTicks(3, 3, 5)).toEqual([2.7, 2.8, 2.9, 3, 3.1, 3.2, 3.3]);
    expect(linearTicks(0, 0, 2)).toEqual([-1, 0, 1]);
  });
});

describe('niceDomain and niceLogDomain', () => {
  it('widens a linear range outwards to multiples of the step', () => {
    expect(niceDomain(0.13, 0.87, 5)).toEqual([0.1, 0.9]);
    expect(niceDomain(0, 0.87, 5)).toEqual([0, 1]);
    expect(niceDomain(-13, 97, 5)).toEqual([-20, 100]);
  });

  it('widens a log range outwards to powers of ten', () => {
    expect(niceLogDomain(0.003, 40)).toEqual([0.001, 100]);
    expect(niceLogDomain(0.01, 1)).toEqual([0.01, 1]);
    expect(niceLogDomain(1, 1)).toEqual([1, 10]);
  });
});

describe('logTicks', () => {
  it('uses the powers of ten inside when there are at least three', () => {
    expect(logTicks(0.003, 40)).toEqual([0.01, 0.1, 1, 10]);
  });

  it('adds 2x and 5x each power on a short axis', () => {
    expect(logTicks(0.02, 0.9)).toEqual([0.02, 0.05, 0.1, 0.2, 0.5]);
  });
});

describe('formatTick', () => {
  it('gives every label of an axis the decimals of its step, with thousands separators', () => {
    expect(formatTick(20000, 5000)).toBe('20,000');
    expect(formatTick(0.3, 0.1)).toBe('0.3');
    expect(formatTick(0.2, 0.05)).toBe('0.20');
    expect(formatTick(0, 0.05)).toBe('0.00');
    expect(formatTick(-5, 5)).toBe('-5');
  });

  it('writes log ticks plainly between 0.001 and 100,000 and as powers beyond', () => {
    expect(formatTick(0.001, NaN)).toBe('0.001');
    expect(formatTick(0.05, NaN)).toBe('0.05');
    expect(formatTick(100000, NaN)).toBe('100,000');
    expect(formatTick(1e-5, NaN)).toBe('10⁻⁵');
    expect(formatTick(1e6, NaN)).toBe('10⁶');
  });
});
