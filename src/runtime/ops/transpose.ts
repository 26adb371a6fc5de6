/** Transpose by `perm` (default: reversed axes) through a gather index computed at plan time. */
import { ShapeError } from '../../errors.js';
import { stridesOf } from '../../tensor/index.js';
import { need, newStridedIndex, newValue, type OpArgs, type OpPlan } from './types.js';

export function planTranspose(args: OpArgs): OpPlan {
  const x = need(args, 0, 'data');
  const rank = x.shape.length;
  const perm = args.attrs.ints('perm') ?? x.shape.map((_, i) => rank - 1 - i);
  const sorted = [...perm].sort((p, q) => p - q);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
    throw new ShapeError(`${args.where}: perm must be a permutation of 0..${rank - 1}, got [${perm.join(',')}]`, 'Transpose', [x.shape]);
  }
  const outShape = perm.map((p) => x.shape[p]!);
  const out = newValue(args, x.dtype, outShape);
  const inStrides = stridesOf(x.shape);
  const step = perm.map((p) => inStrides[p]!);
  const idx = newStridedIndex(args, outShape, step);
  const xd = x.data;
  const od = out.data;
  return { outputs: [out], run: () => { for (let i = 0; i < idx.length; i++) od[i] = xd[idx[i]!]!; } };
}
