/**
 * Softmax and LogSoftmax with max subtraction. Opset >= 13: over the single `axis` (default -1).
 * Before 13: the input is coerced to 2-D at `axis` (default 1) and normalized over all trailing dims.
 */
import { sizeOf } from '../../tensor/kernels.js';
import { softmaxInto } from '../../tensor/neural-kernels.js';
import { need, needDType, newValue, normAxis, type OpArgs, type OpPlan } from './types.js';

export function planSoftmax(args: OpArgs): OpPlan {
  const x = need(args, 0, 'input');
  needDType(args, x, 'input', ['float32', 'float64']);
  const rank = x.shape.length;
  const legacy = args.opset < 13;
  const axis = normAxis(args, args.attrs.int('axis', legacy ? 1 : -1), rank);
  const outer = sizeOf(x.shape.slice(0, axis));
  const len = legacy ? sizeOf(x.shape.slice(axis)) : x.shape[axis]!;
  const inner = legacy ? 1 : sizeOf(x.shape.slice(axis + 1));
  const out = newValue(args, x.dtype, x.shape);
  const layout = { outer, len, inner, log: args.opType === 'LogSoftmax' };
  // needDType admits only float32/float64, and out has x's dtype.
  const xData = x.data as Float32Array | Float64Array;
  const outData = out.data as Float32Array | Float64Array;
  return { outputs: [out], run: () => softmaxInto(xData, outData, layout) };
}
