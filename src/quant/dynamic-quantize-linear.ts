import { DataError } from '../errors.js';
import { roundHalfEven } from '../tensor/index.js';

/** The three outputs of ONNX `DynamicQuantizeLinear`. */
export interface DynamicQuantized {
  /** uint8 values, same length (and shape) as the input. */
  y: Uint8Array;
  /** The float32 scale. */
  scale: number;
  /** The uint8 zero point. */
  zeroPoint: number;
}

/**
 * Reference ONNX `DynamicQuantizeLinear` (uint8), in float32 arithmetic as onnxruntime computes it:
 * ```
 * rmin = min(0, min(x)); rmax = max(0, max(x))
 * scale = float32(float32(rmax - rmin) / 255)      (1.0 when rmax == rmin)
 * zeroPoint = roundHalfEven(clip(-float32(rmin / scale), 0, 255))
 * y = clip(roundHalfEven(float32(x / scale)) + zeroPoint, 0, 255)
 * ```
 * A small reference for tests and accuracy checks; the runtime has its own kernel.
 *
 * @param x input values of any shape, flattened (not modified).
 * @throws DataError when a value is NaN or infinite.
 * @see https://onnx.ai/onnx/operators/onnx__DynamicQuantizeLinear.html
 */
export function dynamicQuantizeLinear(x: Float32Array): DynamicQuantized {
  let rmin = 0;
  let rmax = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) throw new DataError(`dynamicQuantizeLinear: x must be finite, got ${v} at index ${i}`);
    if (v < rmin) rmin = v;
    if (v > rmax) rmax = v;
  }
  const scale = rmax === rmin ? 1 : Math.fround(Math.fround(rmax - rmin) / 255);
  const zpReal = 0 - Math.fround(rmin / scale); // 0 - (+0) keeps the zero point +0, not -0
  const zeroPoint = roundHalfEven(zpReal < 0 ? 0 : zpReal > 255 ? 255 : zpReal);
  const y = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = roundHalfEven(Math.fround(x[i]! / scale)) + zeroPoint;
    y[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { y, scale, zeroPoint };
}
