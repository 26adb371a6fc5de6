/** The affine map of a fully connected layer, `x · W^T + b`, in one gemm (no transposed copy). */
import { ShapeError, fmtShape } from '../errors.js';
import { gemm } from './gemm.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * `x [..., in] · weight[out, in]^T + bias[out] -> [..., out]` (torch.nn.functional.linear).
 * @throws ShapeError when `x`'s last dim differs from `in`, or weight/bias are mis-shaped
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const r = x.shape.length;
  if (weight.shape.length !== 2 || r < 1 || x.shape[r - 1] !== weight.shape[1]) {
    throw new ShapeError(`linear: input last dim must equal weight [out, in]'s in, got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`, 'linear', [x.shape, weight.shape]);
  }
  const outF = weight.shape[0]!;
  const inF = weight.shape[1]!;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(`linear: bias must have shape [${outF}], got ${fmtShape(bias.shape)}`, 'linear', [weight.shape, bias.shape]);
  }
  const rows = sizeOf(x.shape.slice(0, -1));
  const out = new Float32Array(rows * outF);
  if (bias) for (let i = 0; i < rows; i++) out.set(bias.data, i * outF);
  gemm(x.data, weight.data, out, { m: rows, n: outF, k: inF, transB: true, accumulate: bias !== undefined });
  return new Tensor(out, [...x.shape.slice(0, -1), outF]);
}
