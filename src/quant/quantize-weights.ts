import { DataError, InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { roundHalfEven } from '../tensor/index.js';
import { FLOAT32_TINY, quantRange, storageRange, type QRange, type WeightType } from './quant-range.js';

/** Options of {@link quantizeWeights}. */
export interface QuantizeWeightsOptions {
  /** One scale and zero point per slice along `axis` instead of one for the whole tensor. Default false. */
  perChannel?: boolean;
  /** The channel axis for `perChannel`: 1 (columns = MatMul output features, the default) or 0 (rows); -1/-2 allowed. */
  axis?: number;
  /** Storage type of the quantized values. Default `'int8'`. */
  weightType?: WeightType;
  /** Map `[-absmax, absmax]` instead of `[min, max]`. Default true for int8, false for uint8 (onnxruntime's defaults). */
  symmetric?: boolean;
  /** Use onnxruntime's 7-bit ranges (int8 `[-64, 64]`, uint8 `[0, 127]`). Default false. */
  reduceRange?: boolean;
}

/** A quantized weight matrix: `w ≈ scale[c] * (q - zeroPoint[c])`. */
export interface QuantizedWeights {
  /** `[K, N]` quantized values, same layout as the input. */
  q: Int8Array | Uint8Array;
  /** float32 scales: `[1]` per tensor, `[shape[axis]]` per channel. */
  scale: Float32Array;
  /** Zero points, same length and integer type as `scale`/`q`. */
  zeroPoint: Int8Array | Uint8Array;
  /** The channel axis (0 or 1), or null for per-tensor quantization. */
  axis: number | null;
}

/**
 * Quantizes a 2-D float32 weight the way onnxruntime's `quantize_data` does, in exact float32 arithmetic:
 * ```
 * rmin = min(0, min(w)); rmax = max(0, max(w))          (symmetric: ±max(|rmin|, |rmax|))
 * scale64 = float32(rmax - rmin) / (qmax - qmin)         (float64)
 * scale64 < 2^-126  ->  scale = 1, zero point = 0
 * zero point = symmetric ? roundHalfEven((qmin + qmax) / 2) : roundHalfEven(qmin - rmin / scale64)
 * scale = float32(scale64)
 * q = clip(roundHalfEven(float32(w / scale)) + zero point, type min, type max)
 * ```
 * For the default (int8, symmetric, no reduce-range) this is `scale = absmax / 127`, `q` in `[-127, 127]`.
 *
 * @param W `[K, N]` row-major weights (not modified).
 * @param shape `[K, N]`.
 * @throws ShapeError when `shape` is not 2-D or does not match `W.length`.
 * @throws InvalidOptionError for an unknown `weightType` or an `axis` outside `[-2, 1]`.
 * @throws DataError when a weight is NaN or infinite.
 */
export function quantizeWeights(
  W: Float32Array,
  shape: readonly number[],
  options: QuantizeWeightsOptions = {},
): QuantizedWeights {
  const [K, N] = checkShape(W, shape);
  const weightType = options.weightType ?? 'int8';
  if (weightType !== 'int8' && weightType !== 'uint8') {
    throw new InvalidOptionError(`quantizeWeights: weightType must be 'int8' or 'uint8', got '${String(weightType)}'`, 'weightType');
  }
  const symmetric = options.symmetric ?? weightType === 'int8';
  const range = quantRange(weightType, symmetric, options.reduceRange ?? false);
  const storage = storageRange(weightType);
  const perChannel = options.perChannel ?? false;
  const axis = perChannel ? normalizeAxis(options.axis ?? 1) : null;
  for (let i = 0; i < W.length; i++) {
    if (!Number.isFinite(W[i]!)) throw new DataError(`quantizeWeights: weights must be finite, got ${W[i]} at index ${i}`);
  }

  const groups = axis === null ? 1 : axis === 1 ? N : K;
  const q = weightType === 'int8' ? new Int8Array(W.length) : new Uint8Array(W.length);
  const scale = new Float32Array(groups);
  const zeroPoint = weightType === 'int8' ? new Int8Array(groups) : new Uint8Array(groups);
  const params = { scale: 1, zeroPoint: 0 };
  for (let g = 0; g < groups; g++) {
    // A group is a strided run of W: the whole tensor, column g (axis 1) or row g (axis 0).
    const offset = axis === null ? 0 : axis === 1 ? g : g * N;
    const stride = axis === 1 ? N : 1;
    const count = axis === null ? W.length : axis === 1 ? K : N;
    groupParams(W, { offset, stride, count }, range, symmetric, params);
    scale[g] = params.scale;
    zeroPoint[g] = params.zeroPoint;
    quantizeRun(W, q, { offset, stride, count }, params, storage);
  }
  return { q, scale, zeroPoint, axis };
}

interface Run {
  offset: number;
  stride: number;
  count: number;
}

/** Writes the float32 scale and the zero point of one run into `out`. */
function groupParams(
  W: Float32Array,
  run: Run,
  range: QRange,
  symmetric: boolean,
  out: { scale: number; zeroPoint: number },
): void {
  let rmin = 0;
  let rmax = 0;
  for (let i = 0, p = run.offset; i < run.count; i++, p += run.stride) {
    const v = W[p]!;
    if (v < rmin) rmin = v;
    if (v > rmax) rmax = v;
  }
  if (symmetric) {
    const absmax = Math.max(-rmin, rmax);
    rmin = -absmax;
    rmax = absmax;
  }
  // numpy subtracts the two float32 extremes in float32, then divides in float64.
  const scale64 = Math.fround(rmax - rmin) / (range.qmax - range.qmin);
  if (!(scale64 >= FLOAT32_TINY)) {
    out.scale = 1;
    out.zeroPoint = 0;
    return;
  }
  out.zeroPoint = symmetric
    ? roundHalfEven((range.qmin + range.qmax) / 2)
    : roundHalfEven(range.qmin - rmin / scale64);
  out.scale = Math.fround(scale64);
}

/** `q = clip(roundHalfEven(float32(w / scale)) + zeroPoint)` over one run. */
function quantizeRun(
  W: Float32Array,
  q: Int8Array | Uint8Array,
  run: Run,
  params: { scale: number; zeroPoint: number },
  storage: QRange,
): void {
  const { scale, zeroPoint } = params;
  for (let i = 0, p = run.offset; i < run.count; i++, p += run.stride) {
    const v = roundHalfEven(Math.fround(W[p]! / scale)) + zeroPoint;
    q[p] = v < storage.qmin ? storage.qmin : v > storage.qmax ? storage.qmax : v;
  }
}

function checkShape(W: Float32Array, shape: readonly number[]): [number, number] {
  if (shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`quantizeWeights: shape must be [K, N] with non-negative integers, got ${fmtShape(shape)}`, 'quantizeWeights', [shape]);
  }
  const [K, N] = shape as [number, number];
  if (K * N !== W.length) {
    throw new ShapeError(`quantizeWeights: W.length must equal K*N for shape ${fmtShape(shape)}, got ${W.length}`, 'quantizeWeights', [shape]);
  }
  return [K, N];
}

function normalizeAxis(axis: number): number {
  if (!Number.isInteger(axis) || axis < -2 || axis > 1) {
    throw new InvalidOptionError(`quantizeWeights: axis must be 0, 1, -1 or -2 for a 2-D weight, got ${axis}`, 'axis');
  }
  return axis < 0 ? axis + 2 : axis;
}
