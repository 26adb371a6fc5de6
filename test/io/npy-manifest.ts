/**
 * Test helper: loads test/fixtures/npy/manifest.json (a copy of ../shared/reference/npy, written by
 * numpy 1.24) and checks an array read by dadm against one manifest entry.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { NpyArray, NpyTypedResult } from '../../src/io/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/npy/', import.meta.url));

/** The fields of a manifest entry (or npz member) that describe an accepted array. */
export interface ManifestArray {
  dtype: string;
  shape: number[];
  size: number;
  fortran_order: boolean;
  first: number | null;
  last: number | null;
  checksum: { sum: number; weighted_sum: number };
  values_c_order?: number[];
}

export interface ManifestEntry extends Partial<ManifestArray> {
  file: string;
  kind: 'npy' | 'npz';
  accept: boolean | null;
  note: string;
  bytes: number;
  members?: Record<string, ManifestArray & { member: string; zip_compress_type: string }>;
}

export const MANIFEST = JSON.parse(readFileSync(`${FIXTURES}manifest.json`, 'utf8')) as { files: ManifestEntry[] };

export function fixtureBytes(file: string): Uint8Array {
  return readFileSync(`${FIXTURES}${file}`);
}

/**
 * Float32 reading: every element must be exactly Math.fround of the manifest value (float32 data is
 * exact; float64 and int64 go through one rounding to float32, as Math.fround does for the float64
 * value the manifest holds). Checksums: sum_i w_i * got_i must be within 2^-24 * sum_i |w_i * got_i|
 * (float32 rounding of each value, for dtypes wider than float32) plus 1e-12 relative of float64 summation.
 */
export function expectFloat32Matches(got: NpyArray, ref: ManifestArray): void {
  expect(got.shape).toEqual(ref.shape);
  expect(got.dtype).toBe(ref.dtype);
  expect(got.fortranOrder).toBe(ref.fortran_order);
  expect(got.data.length).toBe(ref.size);
  if (ref.size > 0) {
    expect(got.data[0]).toBe(Math.fround(ref.first!));
    expect(got.data[ref.size - 1]).toBe(Math.fround(ref.last!));
  }
  if (ref.values_c_order) expect(Array.from(got.data)).toEqual(ref.values_c_order.map((v) => Math.fround(v)));
  const exactInF32 = ['<f4', '>f4', '<f2', '|u1', '|i1', '|b1'].includes(ref.dtype);
  expectChecksums(Array.from(got.data), ref, exactInF32 ? 0 : 2 ** -24);
}

/**
 * Native reading: float64 and integer values exact (int64 compared after the float64 rounding the
 * manifest applies), checksums within float64 summation error only.
 */
export function expectTypedMatches(got: NpyTypedResult, ref: ManifestArray): void {
  expect(got.shape).toEqual(ref.shape);
  expect(got.dtype).toBe(ref.dtype);
  expect(got.data.length).toBe(ref.size);
  const values = Array.from(got.data as ArrayLike<number | bigint>, (v) => Number(v));
  if (ref.values_c_order) expect(values).toEqual(ref.values_c_order);
  expectChecksums(values, ref, 0);
}

function expectChecksums(values: number[], ref: ManifestArray, relPerValue: number): void {
  let sum = 0;
  let weighted = 0;
  let absSum = 0;
  let absWeighted = 0;
  values.forEach((v, i) => {
    sum += v;
    weighted += (i + 1) * v;
    absSum += Math.abs(v);
    absWeighted += Math.abs((i + 1) * v);
  });
  expect(Math.abs(sum - ref.checksum.sum)).toBeLessThanOrEqual(relPerValue * absSum + 1e-12 * absSum);
  expect(Math.abs(weighted - ref.checksum.weighted_sum)).toBeLessThanOrEqual(relPerValue * absWeighted + 1e-12 * absWeighted);
}
