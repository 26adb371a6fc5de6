/**
 * Cast to the `to` type: float → integer truncates toward zero (then wraps to the target width, as
 * typed arrays store), anything → bool is `x != 0`.
 */
import { isIntegerDType } from '../dtypes.js';
import { dtypeFromOnnx } from '../dtypes.js';
import { need, newValue, type OpArgs, type OpPlan } from './types.js';

export function planCast(args: OpArgs): OpPlan {
  const x = need(args, 0, 'input');
  const to = dtypeFromOnnx(args.attrs.int('to', 0), `${args.where}: attribute to`);
  if (to === x.dtype) return { outputs: [x] };
  const out = newValue(args, to, x.shape);
  const xd = x.data;
  const od = out.data;
  const n = od.length;
  if (to === 'bool') return { outputs: [out], run: () => { for (let i = 0; i < n; i++) od[i] = xd[i] !== 0 ? 1 : 0; } };
  if (isIntegerDType(to)) return { outputs: [out], run: () => { for (let i = 0; i < n; i++) od[i] = Math.trunc(xd[i]!); } };
  return { outputs: [out], run: () => { for (let i = 0; i < n; i++) od[i] = xd[i]!; } };
}
