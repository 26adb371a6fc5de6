/**
 * Softmax and LogSoftmax with max subtraction. Opset >= 13: over the single `axis` (default -1).
 * Before 13: the input is coerced to 2-D at `axis` (default 1) and normalized over all trailing dims.
 */
import { sizeOf, type TensorData } from '../dtypes.js';
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
  const out = newValue(x.dtype, x.shape);
  const log = args.opType === 'LogSoftmax';
  return { outputs: [out], run: softmaxKernel(x.data, out.data, { outer, len, inner, log }) };
}

interface Layout {
  outer: number;
  len: number;
  inner: number;
  log: boolean;
}

function softmaxKernel(x: TensorData, o: TensorData, { outer, len, inner, log }: Layout): () => void {
  return () => {
    for (let p = 0; p < outer; p++) {
      for (let q = 0; q < inner; q++) {
        const base = p * len * inner + q;
        let max = -Infinity;
        for (let i = 0; i < len; i++) max = Math.max(max, x[base + i * inner]!);
        let sum = 0;
        for (let i = 0; i < len; i++) sum += Math.exp(x[base + i * inner]! - max);
        if (log) {
          const lse = max + Math.log(sum);
          for (let i = 0; i < len; i++) o[base + i * inner] = x[base + i * inner]! - lse;
        } else {
          const inv = 1 / sum;
          for (let i = 0; i < len; i++) o[base + i * inner] = Math.exp(x[base + i * inner]! - max) * inv;
        }
      }
    }
  };
}
