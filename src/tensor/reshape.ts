/** Row-major reshape (shares data; one dimension may be -1 and is inferred). */
import { ShapeError, fmtShape } from '../errors.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Resolves a target shape with at most one -1 against `size`.
 * @throws ShapeError for several -1s, negative/fractional dims, or a size mismatch
 */
export function resolveShape(op: string, from: readonly number[], target: readonly number[]): number[] {
  const size = sizeOf(from);
  let infer = -1;
  let known = 1;
  for (let i = 0; i < target.length; i++) {
    const d = target[i]!;
    if (d === -1 && infer < 0) infer = i;
    else if (!Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape must hold non-negative integers and at most one -1, got ${fmtShape(target)}`, op, [from, target]);
    } else known *= d;
  }
  const out = target.slice();
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: size ${size} of ${fmtShape(from)} must be divisible by the known dims of ${fmtShape(target)}, got ${known}`, op, [from, target]);
    }
    out[infer] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`${op}: target shape must have size ${size} of ${fmtShape(from)}, got ${fmtShape(target)}`, op, [from, target]);
  }
  return out;
}

/**
 * `x` viewed with `shape` (data shared, not copied).
 * @throws ShapeError when the sizes differ or the shape is malformed
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(x.data, resolveShape('reshape', x.shape, shape));
}
