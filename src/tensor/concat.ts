/** Concatenation along an existing axis (torch.cat). */
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxis, splitAt } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Joins `tensors` along `axis`; all other dims must agree.
 * @throws ShapeError for an empty list, differing ranks/dims, or an axis out of range
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('concat: tensors must be a non-empty list, got 0 tensors', 'concat');
  const first = tensors[0]!;
  const ax = normalizeAxis('concat', axis, first.shape);
  let total = 0;
  for (const t of tensors) {
    const ok = t.shape.length === first.shape.length && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) {
      throw new ShapeError(
        `concat: shapes must match except along axis ${ax}, got ${tensors.map((u) => fmtShape(u.shape)).join(' and ')}`,
        'concat',
        tensors.map((u) => u.shape),
      );
    }
    total += t.shape[ax]!;
  }
  const outShape = first.shape.slice();
  outShape[ax] = total;
  const { outer, inner } = splitAt(outShape, ax);
  const out = new Float32Array(outer * total * inner);
  let col = 0;
  for (const t of tensors) {
    const chunk = t.shape[ax]! * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + col);
    col += chunk;
  }
  return new Tensor(out, outShape);
}
