import { describe, expect, it } from 'vitest';
import { formatCount, formatNumber, formatPercent, formatRate } from '../../src/report/format.js';

describe('report number formats', () => {
  it('formatNumber: 4 significant digits, exponent only outside 0.001 .. 1e6, n/a for missing', () => {
    expect(formatNumber(0.174567)).toBe('0.1746');
    expect(formatNumber(12345.6)).toBe('12350');
    expect(formatNumber(0.00012346)).toBe('1.235e-4');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(null)).toBe('n/a');
    expect(formatNumber(NaN)).toBe('n/a');
  });

  it('formatRate keeps its decimals (an AUC of 0.99907 is not 0.999, a correlation of 0.999996 not 1)', () => {
    expect(formatRate(0.99907)).toBe('0.9991');
    expect(formatRate(0.999996, 5)).toBe('1.00000');
    expect(formatRate(null)).toBe('n/a');
  });

  it('formatPercent and formatCount', () => {
    expect(formatPercent(0.00865)).toBe('0.86%');
    expect(formatPercent(0.43)).toBe('43.0%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatCount(19599)).toBe('19,599');
  });
});
