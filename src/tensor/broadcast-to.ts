/** Materialises a broadcast: repeats `x` along the dimensions where it has length 1 (or is missing). */
import { ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, forEachRun, planBroadcast } from './broadcast.js';
import { sameShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * `x` broadcast to `shape` (NumPy `broadcast_to`, but copied). Returns `x` when shapes already match.
 * @throws ShapeError when `x.shape` does not broadcast to `shape`
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const full = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(full, shape)) {
    throw new ShapeError(`broadcastTo: shape ${fmtShape(x.shape)} must broadcast to ${fmtShape(shape)}, got ${fmtShape(full)}`, 'broadcastTo', [x.shape, shape]);
  }
  const out = new Float32Array(sizeOf(shape));
  if (out.length === 0) return new Tensor(out, shape);
  const plan = planBroadcast(shape, [x.shape]);
  const last = plan.dims.length - 1;
  const n = plan.dims[last]!;
  const s = plan.strides[0]![last]!;
  const d = x.data;
  forEachRun(plan, (off, o) => {
    const src = off[0]!;
    if (s === 0) out.fill(d[src]!, o, o + n);
    else for (let i = 0; i < n; i++) out[o + i] = d[src + i * s]!;
  });
  return new Tensor(out, shape);
}
