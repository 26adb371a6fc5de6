/**
 * Fixed-point encoding for secure aggregation: a value clipped to [-c, c] maps to an integer in
 * [0, R - 1] (`q = round((x + c) (R - 1) / 2c)`), sums of m such integers are taken modulo 2^32,
 * and the sum decodes as `S 2c / (R - 1) - m c`. With c = 8 and R = 2^22 (Flower SecAgg+'s
 * clipping_range and quantization_range) one step is Δ = 2c / (R - 1) ≈ 3.8e-6, each value is off by
 * at most Δ/2 (plus whatever clipping removed), and a sum of m values by at most mΔ/2. The sum
 * cannot wrap while m (R - 1) < 2^32, i.e. m ≤ 1024 for R = 2^22.
 */
import { InvalidOptionError } from '../errors.js';

/** The modulus of masked arithmetic (Uint32Array wraps at it). */
export const MODULUS = 2 ** 32;

/** Fixed-point parameters. */
export interface FixedPoint {
  /** c: values are clipped to [-c, c]. */
  clippingRange: number;
  /** R: integers lie in [0, R - 1]. */
  quantizationRange: number;
}

/** The largest number of summands that cannot wrap modulo 2^32. */
export function maxSummands(fp: FixedPoint): number {
  return Math.floor((MODULUS - 1) / (fp.quantizationRange - 1));
}

/** Step Δ = 2c / (R - 1): each encoded value is off by at most Δ/2 (before clipping). */
export function quantizationStep(fp: FixedPoint): number {
  return (2 * fp.clippingRange) / (fp.quantizationRange - 1);
}

/** @throws InvalidOptionError for c <= 0 or R outside [2, 2^31] */
export function checkFixedPoint(fp: FixedPoint, where: string): void {
  if (!(fp.clippingRange > 0 && Number.isFinite(fp.clippingRange))) {
    throw new InvalidOptionError(`${where}: clipping_range must be a positive number, got ${fp.clippingRange}`, 'clipping_range');
  }
  if (!Number.isInteger(fp.quantizationRange) || fp.quantizationRange < 2 || fp.quantizationRange > 2 ** 31) {
    throw new InvalidOptionError(`${where}: quantization_range must be an integer in [2, 2^31], got ${fp.quantizationRange}`, 'quantization_range');
  }
}

/** Encodes `values` into `out[offset ..]` (clipping each to [-c, c]). */
export function encodeInto(values: ArrayLike<number>, fp: FixedPoint, out: Uint32Array, offset: number): void {
  const c = fp.clippingRange;
  const scale = (fp.quantizationRange - 1) / (2 * c);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const clipped = v > c ? c : v < -c ? -c : v;
    out[offset + i] = Math.round((clipped + c) * scale);
  }
}

/** Decodes a sum of `count` encoded vectors (values already reduced modulo 2^32). */
export function decodeSum(sum: Uint32Array, count: number, fp: FixedPoint): Float64Array {
  const step = quantizationStep(fp);
  const shift = count * fp.clippingRange;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! * step - shift;
  return out;
}
