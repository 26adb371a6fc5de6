import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRows } from '../../src/pipeline/index.js';

describe('splitRows', () => {
  it('partitions every row exactly once into training and validation blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400000 }), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.nat(1000), (rows, fraction, seed) => {
        const s = splitRows(rows, fraction, seed);
        const seen = new Uint8Array(s.nBlocks);
        for (const b of [...s.trainingBlocks, ...s.validationBlocks]) seen[b]!++;
        expect(seen.every((c) => c === 1)).toBe(true);
        let validationRows = 0;
        for (const b of s.validationBlocks) validationRows += Math.min(s.blockRows, rows - b * s.blockRows);
        expect(validationRows).toBe(s.validationRows);
        expect(s.trainingRows + s.validationRows).toBe(rows);
        expect(s.trainingBlocks.length).toBeGreaterThan(0);
        expect(s.nBlocks * s.blockRows).toBeGreaterThanOrEqual(rows);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('holds out about the requested fraction of rows, the same blocks for the same seed', () => {
    const a = splitRows(100000, 0.1, 5);
    expect(a.validationRows / 100000).toBeGreaterThan(0.09);
    expect(a.validationRows / 100000).toBeLessThan(0.11);
    expect(Array.from(splitRows(100000, 0.1, 5).validationBlocks)).toEqual(Array.from(a.validationBlocks));
    expect(Array.from(splitRows(100000, 0.1, 6).validationBlocks)).not.toEqual(Array.from(a.validationBlocks));
  });

  it('uses blocks of at most 1024 rows and no validation for fraction 0', () => {
    expect(splitRows(10_000_000, 0.1, 0).blockRows).toBe(1024);
    expect(splitRows(300, 0.1, 0).blockRows).toBe(1);
    expect(splitRows(300, 0, 0).validationRows).toBe(0);
  });
});
