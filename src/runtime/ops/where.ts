/** Where (cond ? X : Y with three-way broadcasting) and Expand (broadcast to a given shape). */
import { FormatError } from '../../errors.js';
import { broadcastShapes } from '../../tensor/index.js';
import { constInts, need, newBroadcastIndex, newValue, type OpArgs, type OpPlan } from './types.js';

export function planWhere(args: OpArgs): OpPlan {
  const c = need(args, 0, 'condition');
  const x = need(args, 1, 'X');
  const y = need(args, 2, 'Y');
  if (x.dtype !== y.dtype) throw new FormatError(`${args.where}: X and Y types must match, got ${x.dtype} and ${y.dtype}`);
  const shape = broadcastShapes(args.where, c.shape, x.shape, y.shape);
  const out = newValue(args, x.dtype, shape);
  const ci = newBroadcastIndex(args, c.shape, shape);
  const xi = newBroadcastIndex(args, x.shape, shape);
  const yi = newBroadcastIndex(args, y.shape, shape);
  const cd = c.data;
  const xd = x.data;
  const yd = y.data;
  const od = out.data;
  return { outputs: [out], run: () => { for (let i = 0; i < od.length; i++) od[i] = cd[ci[i]!] ? xd[xi[i]!]! : yd[yi[i]!]!; } };
}

export function planExpand(args: OpArgs): OpPlan {
  const x = need(args, 0, 'input');
  const target = constInts(args, need(args, 1, 'shape'), 'shape');
  const shape = broadcastShapes(args.where, x.shape, target);
  const out = newValue(args, x.dtype, shape);
  const xi = newBroadcastIndex(args, x.shape, shape);
  const xd = x.data;
  const od = out.data;
  return { outputs: [out], run: () => { for (let i = 0; i < od.length; i++) od[i] = xd[xi[i]!]!; } };
}
