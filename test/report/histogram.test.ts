/** Binning for the report's histograms; counts worked out by hand. */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { histogramOf } from '../../src/report/index.js';
import { expectError } from '../tensor/expect-error.js';

describe('histogramOf', () => {
  it('bins at nice edges; a value on an inner edge counts to its right, the maximum in the last bin', () => {
    const h = histogramOf(Float64Array.of(0, 0.5, 1, 1.5, 2), { bins: 4 });
    expect(h).toEqual({ edges: [0, 0.5, 1, 1.5, 2], scale: 'linear', counts: [1, 1, 1, 2] });
  });

  it('chooses log bins for positive values spanning more than 100-fold', () => {
    const h = histogramOf(Float32Array.of(0.001, 0.002, 0.05, 0.3, 10), { bins: 8 });
    expect(h.scale).toBe('log');
    // 4 decades, 8 bins: 2 per decade, edges 10^(k/2) for k = -6 .. 2.
    expect(h.edges).toHaveLength(9);
    expect(h.edges[0]).toBeCloseTo(0.001, 15);
    expect(h.edges[2]).toBeCloseTo(0.01, 15);
    expect(h.edges[8]).toBeCloseTo(10, 12);
    expect(h.counts).toEqual([2, 0, 0, 1, 1, 0, 0, 1]); // 0.05 in [0.0316, 0.1), 0.3 in [0.1, 0.316)
  });

  it('stays linear when told to, and for values that are not all positive', () => {
    expect(histogramOf(Float32Array.of(0.001, 10), { scale: 'linear' }).scale).toBe('linear');
    expect(histogramOf(Float32Array.of(-1, 0.001, 1000)).scale).toBe('linear');
  });

  it('reuses the edges of another histogram, values outside counting in the outer bins', () => {
    const h = histogramOf(Float64Array.of(-5, 0.7, 99), { edges: [0, 0.5, 1] });
    expect(h.counts).toEqual([1, 2]);
  });

  it('gives one value repeated a bin of width 1 around it', () => {
    expect(histogramOf(Float32Array.of(3, 3, 3))).toEqual({ edges: [2.5, 3.5], scale: 'linear', counts: [3] });
  });

  it('refuses NaN', () => {
    expectError(() => histogramOf(Float64Array.of(1, NaN), { edges: [0, 1, 2] }), DataError, /^binCounts: values\[1\] must be finite, got NaN$/);
  });
});
