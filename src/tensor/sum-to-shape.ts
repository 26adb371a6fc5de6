/** The inverse of broadcasting: sums a tensor back down to a shape it was broadcast from. */
import { ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, forEachRun, planBroadcast } from './broadcast.js';
import { sameShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Sums `x` over the dimensions along which `shape` was broadcast to `x.shape`, returning `shape`.
 * Returns `x` itself when the shapes already match.
 * @throws ShapeError when `shape` does not broadcast to `x.shape`
 */
export function sumToShape(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const full = broadcastShapes('sumToShape', x.shape, shape);
  if (!sameShape(full, x.shape)) {
    throw new ShapeError(`sumToShape: shape ${fmtShape(shape)} must broadcast to ${fmtShape(x.shape)}, got ${fmtShape(full)}`, 'sumToShape');
  }
  const acc = new Float64Array(sizeOf(shape));
  if (x.size > 0) {
    // Walk x in order; the target reads with stride 0 along broadcast dims, so it accumulates there.
    const plan = planBroadcast(x.shape, [shape]);
    const last = plan.dims.length - 1;
    const n = plan.dims[last]!;
    const ts = plan.strides[0]![last]!;
    const d = x.data;
    forEachRun(plan, (off, o) => {
      const t = off[0]!;
      if (ts === 0) {
        let s = 0;
        for (let i = 0; i < n; i++) s += d[o + i]!;
        acc[t] += s;
      } else {
        for (let i = 0; i < n; i++) acc[t + i * ts] += d[o + i]!;
      }
    });
  }
  return new Tensor(Float32Array.from(acc), shape);
}
