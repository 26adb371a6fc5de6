import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, ShapeError } from '../../src/errors.js';
import { CORE_FEATURES, normalizeCore, toModelInput } from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';

// The documented formula, written out independently: z = clip((t(x) - offset) / scale, -10, 10).
function naiveNormalize(raw: number[]): number[] {
  return raw.map((x, k) => {
    const f = CORE_FEATURES[k % 12]!;
    const t = f.transform === 'log1p' ? Math.log(1 + x) : x;
    return Math.min(10, Math.max(-10, (t - f.offset) / f.scale));
  });
}

const typicalRow = [3000, 55, 4.1, 5e7, 5e8, 150, 100, 1e4, 250, 25, 40, 10];

describe('normalizeCore', () => {
  it('matches the documented formula', () => {
    const raw = [...typicalRow, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 5.5, 1e3, 1e12, 7, 8, 9, 10, 11, 12, 13];
    expect(normalizeCore(Float32Array.from(raw))).toBeAllclose(naiveNormalize(Array.from(Float32Array.from(raw))), { rtol: 1e-6, atol: 1e-6 });
  });

  it('maps a typical workstation day to values of order 1', () => {
    const z = normalizeCore(Float32Array.from(typicalRow));
    for (const v of z) expect(Math.abs(v)).toBeLessThan(2.5);
  });

  it('is deterministic: the same raw rows always give the same output', () => {
    const raw = Float32Array.from([...typicalRow, ...typicalRow.map((x) => x * 3)]);
    const a = normalizeCore(raw);
    const b = normalizeCore(Float32Array.from(raw));
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(a.subarray(0, 12))).toEqual(Array.from(normalizeCore(raw.subarray(0, 12))));
  });

  it('is non-decreasing in every feature', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 11 }),
        fc.array(fc.float({ min: 0, max: Math.fround(1e9), noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.float({ min: 0, max: Math.fround(1e9), noNaN: true }),
        (j, row, delta) => {
          const lo = Float32Array.from(row);
          const hi = Float32Array.from(row);
          hi[j] = lo[j]! + delta;
          const zl = normalizeCore(lo);
          const zh = normalizeCore(hi);
          expect(zh[j]!).toBeGreaterThanOrEqual(zl[j]!);
          for (let k = 0; k < 12; k++) if (k !== j) expect(zh[k]).toBe(zl[k]);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('stays finite and within the clip for huge counts', () => {
    const raw = new Float32Array(12).fill(3.4e38);
    const z = normalizeCore(raw);
    for (const v of z) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeLessThanOrEqual(10);
    }
    expect(Array.from(z)).toEqual(new Array(12).fill(10));
    // 1e15 bytes out in a day is extreme yet still below the clip: log1p keeps it finite and ordered.
    const big = normalizeCore(Float32Array.from([...typicalRow.slice(0, 3), 1e15, ...typicalRow.slice(4)]));
    expect(big[3]).toBeCloseTo((Math.log1p(1e15) - CORE_FEATURES[3]!.offset) / CORE_FEATURES[3]!.scale, 4);
    expect(big[3]).toBeLessThan(10);
  });

  it('writes into a preallocated output', () => {
    const out = new Float32Array(12);
    expect(normalizeCore(Float32Array.from(typicalRow), { out })).toBe(out);
  });

  it('throws DataError naming row and column for NaN, Infinity and negative values', () => {
    const raw = Float32Array.from([...typicalRow, ...typicalRow]);
    raw[12 + 3] = NaN;
    expectError(() => normalizeCore(raw, { source: 'raw.npy' }), DataError, /^raw\.npy: row 1, column 3 \(net_bytes_out\) must be finite, got NaN$/);
    raw[15] = Infinity;
    expectError(() => normalizeCore(raw), DataError, /^normalizeCore: row 1, column 3 \(net_bytes_out\) must be finite, got Infinity$/);
    raw[15] = 1;
    raw[0] = -2;
    expectError(() => normalizeCore(raw), DataError, /^normalizeCore: row 0, column 0 \(process_spawn_count\) must be >= 0, got -2$/);
  });

  it('throws ShapeError when the length is not a multiple of 12', () => {
    expectError(() => normalizeCore(new Float32Array(13)), ShapeError, /length must be a multiple of 12 \(rows x core features\), got 13/);
    expectError(() => normalizeCore(new Float32Array(12), { out: new Float32Array(24) }), ShapeError, /^normalizeCore: out length must equal input length 12, got 24$/);
  });
});

describe('toModelInput', () => {
  it('copies the 12 columns and zero-pads to 64', () => {
    const z = Float32Array.from({ length: 24 }, (_, k) => k + 1);
    const x = toModelInput(z);
    expect(x.length).toBe(128);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 64; j++) expect(x[i * 64 + j]).toBe(j < 12 ? i * 12 + j + 1 : 0);
    }
  });

  it('clears the padding of a reused output buffer', () => {
    const out = new Float32Array(64).fill(7);
    toModelInput(new Float32Array(12).fill(1), out);
    expect(Array.from(out.subarray(12))).toEqual(new Array(52).fill(0));
  });

  it('throws ShapeError for a bad length or output size', () => {
    expectError(() => toModelInput(new Float32Array(5)), ShapeError, /^toModelInput: length must be a multiple of 12, got 5$/);
    expectError(() => toModelInput(new Float32Array(12), new Float32Array(12)), ShapeError, /^toModelInput: out length must be 64 \(1 x 64\), got 12$/);
  });
});
