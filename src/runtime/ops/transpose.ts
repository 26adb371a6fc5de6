/** Transpose by `perm` (default: reversed axes) through a gather index computed at plan time. */
import { ShapeError } from '../../errors.js';
import { sizeOf } from '../dtypes.js';
import { need, newIndex, newValue, stridesOf, type OpArgs, type OpPlan } from './types.js';

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
  const idx = newIndex(args, sizeOf(outShape));
  const counter = new Array<number>(rank).fill(0);
  let cur = 0;
  for (let i = 0; i < idx.length; i++) {
    idx[i] = cur;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      cur += step[d]!;
      if (counter[d]! < outShape[d]!) break;
      cur -= step[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  const xd = x.data;
  const od = out.data;
  return { outputs: [out], run: () => { for (let i = 0; i < idx.length; i++) od[i] = xd[idx[i]!]!; } };
}
