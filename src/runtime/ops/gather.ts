/**
 * Gather along `axis`: out = data[..., indices, ...]. Negative indices count from the end; an index
 * out of range is a DataError at run time (indices may come from data).
 */
import { DataError } from '../../errors.js';
import { sizeOf } from '../../tensor/index.js';
import { need, needDType, newValue, normAxis, type OpArgs, type OpPlan } from './types.js';

export function planGather(args: OpArgs): OpPlan {
  const x = need(args, 0, 'data');
  const ind = need(args, 1, 'indices');
  needDType(args, ind, 'indices', ['int64', 'int32']);
  const axis = normAxis(args, args.attrs.int('axis', 0), x.shape.length);
  const outShape = [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)];
  const out = newValue(args, x.dtype, outShape);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const dim = x.shape[axis]!;
  const xd = x.data;
  const id = ind.data;
  const od = out.data;
  const nIdx = id.length;
  const where = args.where;
  const run = (): void => {
    let o = 0;
    for (let p = 0; p < outer; p++) {
      for (let q = 0; q < nIdx; q++) {
        let j = id[q]!;
        if (j < 0) j += dim;
        if (!(j >= 0 && j < dim)) throw new DataError(`${where}: indices must lie in [${-dim}, ${dim - 1}], got ${id[q]}`);
        const src = (p * dim + j) * inner;
        for (let r = 0; r < inner; r++) od[o++] = xd[src + r]!;
      }
    }
  };
  return { outputs: [out], run };
}
