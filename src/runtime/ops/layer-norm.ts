/**
 * LayerNormalization (opset 17): normalizes over the dims from `axis` on,
 * y = (x - mean) / sqrt(var + epsilon) * Scale + B, with the biased variance, computed in float64.
 * Optional outputs Mean and InvStdDev have the input's shape with the normalized dims set to 1.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { sizeOf } from '../dtypes.js';
import { broadcastIndex, broadcastShapes, sameShape } from './broadcast.js';
import { need, needDType, newValue, normAxis, type OpArgs, type OpPlan } from './types.js';

export function planLayerNorm(args: OpArgs): OpPlan {
  const x = need(args, 0, 'X');
  const scale = need(args, 1, 'Scale');
  const bias = args.inputs[2];
  needDType(args, x, 'X', ['float32', 'float64']);
  const rank = x.shape.length;
  const axis = normAxis(args, args.attrs.int('axis', -1), rank);
  const eps = args.attrs.float('epsilon', 1e-5);
  const normShape = x.shape.slice(axis);
  const d = sizeOf(normShape);
  const rows = sizeOf(x.shape.slice(0, axis));
  for (const [name, p] of [['Scale', scale], ['B', bias]] as const) {
    if (p && !sameShape(broadcastShapes(args.where, [p.shape, normShape]), normShape)) {
      throw new ShapeError(`${args.where}: ${name} must broadcast to ${fmtShape(normShape)}, got ${fmtShape(p.shape)}`, 'LayerNormalization');
    }
  }
  const si = broadcastIndex(args, scale.shape, normShape);
  const bi = bias ? broadcastIndex(args, bias.shape, normShape) : si;
  const out = newValue(args, x.dtype, x.shape);
  const statShape = x.shape.map((v, i) => (i < axis ? v : 1));
  const meanOut = newValue(args, 'float32', statShape);
  const invOut = newValue(args, 'float32', statShape);
  const xd = x.data;
  const sd = scale.data;
  const bd = bias ? bias.data : new Float32Array(d);
  const od = out.data;
  const md = meanOut.data;
  const id = invOut.data;
  const run = (): void => {
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      let mean = 0;
      for (let i = 0; i < d; i++) mean += xd[base + i]!;
      mean /= d;
      let v = 0;
      for (let i = 0; i < d; i++) {
        const c = xd[base + i]! - mean;
        v += c * c;
      }
      const inv = 1 / Math.sqrt(v / d + eps);
      for (let i = 0; i < d; i++) od[base + i] = (xd[base + i]! - mean) * inv * sd[si[i]!]! + bd[bi[i]!]!;
      md[r] = mean;
      id[r] = inv;
    }
  };
  return { outputs: [out, meanOut, invOut].slice(0, Math.max(1, args.nOutputs)), run };
}
