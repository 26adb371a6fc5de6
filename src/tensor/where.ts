/** `where(cond, a, b)`: elementwise selection with three-way broadcasting. */
import { broadcastShapes, forEachRun, planBroadcast } from './broadcast.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * `cond != 0 ? a : b`, broadcasting all three operands.
 * @throws ShapeError when the shapes are not broadcast-compatible
 */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  const out = new Float32Array(sizeOf(shape));
  if (out.length === 0) return new Tensor(out, shape);
  const plan = planBroadcast(shape, [cond.shape, a.shape, b.shape]);
  const last = plan.dims.length - 1;
  const n = plan.dims[last]!;
  const cs = plan.strides[0]![last]!, as = plan.strides[1]![last]!, bs = plan.strides[2]![last]!;
  const c = cond.data, ad = a.data, bd = b.data;
  forEachRun(plan, (off, o) => {
    const ci = off[0]!, ai = off[1]!, bi = off[2]!;
    for (let i = 0; i < n; i++) out[o + i] = c[ci + i * cs] !== 0 ? ad[ai + i * as]! : bd[bi + i * bs]!;
  });
  return new Tensor(out, shape);
}
