/**
 * A data-parallel step for the thread tests, with side inputs of every type: row r's loss is
 * `mask[r] * sum_j (scale[r] * w_j * x[r, j] - t[r, j])^2 / batchCount` (t = 0 when the target is
 * absent), side inputs [t float32 [width], mask uint8 [1], scale int32 [1]].
 */
import type { SliceStep } from '../../../src/tensor/index.js';

/** The step over `w`, writing dLoss/dw into `g` (overwriting). */
export function toyStep(w: Float32Array, g: Float32Array): SliceStep {
  const width = w.length;
  return (x, rows, _batchRows, side) => {
    const [t, mask, scale] = side.arrays as [Float32Array | null, Uint8Array, Int32Array];
    g.fill(0);
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      if (mask[r] !== 1) continue;
      for (let j = 0; j < width; j++) {
        const e = scale[r]! * w[j]! * x[r * width + j]! - (t === null ? 0 : t[r * width + j]!);
        loss += (e * e) / side.batchCount;
        g[j] += (2 * e * scale[r]! * x[r * width + j]!) / side.batchCount;
      }
    }
    return loss;
  };
}

/** The worker side ({@link SliceStepFactory}): the same step over the flat vectors. */
export function toySliceStep(_model: unknown, params: Float32Array, grads: Float32Array): SliceStep {
  return toyStep(params, grads);
}
