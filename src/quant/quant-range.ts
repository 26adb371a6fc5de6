/**
 * Integer ranges and rounding shared by the quantizers. The tables follow onnxruntime's
 * `quant_utils.py` (`ONNX_INT_TYPE_RANGE`, `ONNX_INT_TYPE_SYMMETRIC_RANGE`,
 * `ONNX_INT_TYPE_REDUCED_RANGE`, `get_qmin_qmax_for_qType`).
 */

/** The 8-bit integer types a weight can be quantized to. */
export type WeightType = 'int8' | 'uint8';

/** Smallest positive normal float32, 2^-126 (numpy `finfo(float32).tiny`). */
export const FLOAT32_TINY = 2 ** -126;

/** An inclusive integer range `[qmin, qmax]`. */
export interface QRange {
  readonly qmin: number;
  readonly qmax: number;
}

const FULL: Record<WeightType, QRange> = { int8: { qmin: -128, qmax: 127 }, uint8: { qmin: 0, qmax: 255 } };
const SYMMETRIC: Record<WeightType, QRange> = { int8: { qmin: -127, qmax: 127 }, uint8: { qmin: 0, qmax: 254 } };
// 7-bit ranges: keep u8 x s8 products from saturating 16-bit accumulators on older x86 (VPMADDUBSW).
const REDUCED: Record<WeightType, QRange> = { int8: { qmin: -64, qmax: 64 }, uint8: { qmin: 0, qmax: 127 } };

/**
 * The range a weight is mapped onto. Reduce-range wins over symmetric, as in onnxruntime.
 */
export function quantRange(type: WeightType, symmetric: boolean, reduceRange: boolean): QRange {
  if (reduceRange) return REDUCED[type];
  return symmetric ? SYMMETRIC[type] : FULL[type];
}

/** The full range of the storage type; quantized values are clipped to it (onnxruntime's `quantize_nparray`). */
export function storageRange(type: WeightType): QRange {
  return FULL[type];
}

