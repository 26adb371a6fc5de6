import { describe, expect, it } from 'vitest';
import { checkRows } from '../../src/data/index.js';
import { DataError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

describe('checkRows', () => {
  it('throws DataError carrying the file, and the file row and column the message names', () => {
    const rows = Float32Array.of(1, 0, 2, 0, 3, NaN);
    const e = expectError(() => checkRows(rows, { count: 3, firstRow: 100, cols: 2, active: 2, source: 'x.npy' }), DataError, /^x\.npy: row 102, column 1 must be finite, got NaN$/);
    expect([e.source, e.row, e.column]).toEqual(['x.npy', 102, 1]);
    const p = expectError(() => checkRows(Float32Array.of(1, 5), { count: 1, firstRow: 0, cols: 2, active: 1, source: 'y.npy' }), DataError, /^y\.npy: row 0, column 1 must be 0 \(padding columns 1\.\.1\), got 5$/);
    expect([p.row, p.column]).toEqual([0, 1]);
  });
});
