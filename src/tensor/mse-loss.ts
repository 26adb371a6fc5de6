/** Mean squared error. */
import { ShapeError, fmtShape } from '../errors.js';
import { sameShape } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * `mean((input - target)^2)` over all elements, as a 0-d tensor (NaN for empty inputs, as torch).
 * @throws ShapeError when the shapes differ
 */
export function mseLoss(input: Tensor, target: Tensor): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(`mseLoss: input and target shapes must match, got ${fmtShape(input.shape)} and ${fmtShape(target.shape)}`, 'mseLoss', [input.shape, target.shape]);
  }
  const a = input.data, b = target.data;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const e = a[i]! - b[i]!;
    s += e * e;
  }
  return new Tensor(Float32Array.of(s / a.length), []);
}
