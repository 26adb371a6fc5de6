import { describe, expect, it } from 'vitest';
import { DataError, ShapeError } from '../../src/errors.js';
import { genericSchema, validateModelInput } from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';

function padded(rows: number): Float32Array {
  const x = new Float32Array(rows * 64);
  for (let i = 0; i < rows; i++) for (let j = 0; j < 12; j++) x[i * 64 + j] = (i - j) / 7;
  return x;
}

describe('validateModelInput', () => {
  it('accepts finite endpoint-v1 rows with zero padding (also -0)', () => {
    const x = padded(20);
    x[5 * 64 + 40] = -0;
    expect(() => validateModelInput(x, 20, 64)).not.toThrow();
  });

  it('names row and column of the first non-finite value', () => {
    const x = padded(20);
    x[17 * 64 + 3] = NaN;
    x[18 * 64 + 1] = Infinity;
    expectError(() => validateModelInput(x, 20, 64, { source: 'data.npy' }), DataError, /^data\.npy: row 17, column 3 must be finite, got NaN$/);
    x[17 * 64 + 3] = 0;
    expectError(() => validateModelInput(x, 20, 64, { source: 'data.npy' }), DataError, /^data\.npy: row 18, column 1 must be finite, got Infinity$/);
  });

  it('names the expected width and the way out (schema: none) for the wrong number of columns', () => {
    const x = new Float32Array(10 * 12);
    expectError(
      () => validateModelInput(x, 10, 12, { source: 'data.npy' }),
      DataError,
      /^data\.npy: width must be 64 \(schema endpoint-v1: 12 features \+ 52 zero padding\), got 12; for data that is not the endpoint schema set `schema: none` in config\.yaml$/,
    );
  });

  it('rejects non-zero padding in schema mode', () => {
    const x = padded(3);
    x[2 * 64 + 40] = 0.5;
    expectError(() => validateModelInput(x, 3, 64), DataError, /^input: row 2, column 40 must be 0 \(padding of schema endpoint-v1, columns 12\.\.63\), got 0\.5$/);
  });

  it('in generic mode checks only width and finiteness', () => {
    const s = genericSchema(64);
    const x = Float32Array.from({ length: 128 }, (_, k) => k);
    expect(() => validateModelInput(x, 2, 64, { schema: s })).not.toThrow();
    expectError(() => validateModelInput(new Float32Array(10), 2, 5, { schema: s }), DataError, /^input: width must be 64 \(schema generic: 64 features\), got 5$/);
  });

  it('throws ShapeError when data length and rows x cols disagree, DataError for no rows', () => {
    expectError(() => validateModelInput(new Float32Array(100), 2, 64), ShapeError, /data length must equal rows x cols = 2 x 64, got 100/);
    expectError(() => validateModelInput(new Float32Array(0), 0, 64), DataError, /rows must be at least 1, got 0/);
  });
});
