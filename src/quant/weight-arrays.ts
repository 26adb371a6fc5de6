/**
 * Reading a float weight initializer and transposing it: the quantizer's two array helpers. Building
 * and reading ONNX messages is the ONNX toolkit's (../onnx).
 */
import type { onnx } from '../onnx/index.js';

/**
 * The float32 values of an initializer, from `rawData` (little-endian) or `floatData`.
 * The caller has checked `dataType === FLOAT` and that the data is stored inside the model.
 * Returns null when the stored value count does not match the dims.
 */
export function readFloat32(tensor: onnx.TensorProto, count: number): Float32Array | null {
  const raw = tensor.rawData;
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== 4 * count) return null;
    const out = new Float32Array(count);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  const data = tensor.floatData ?? [];
  return data.length === count ? Float32Array.from(data) : null;
}

/** `[N, K]` row-major -> `[K, N]` row-major. */
export function transpose2d(W: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(W.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = W[r * cols + c]!;
  }
  return out;
}

