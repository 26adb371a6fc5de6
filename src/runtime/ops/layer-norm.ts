/**
 * LayerNormalization (opset 17): normalizes over the dims from `axis` on,
 * y = (x - mean) / sqrt(var + epsilon) * Scale + B, with the biased variance, computed in float64 by
 * tensor's layerNormInto (the one LayerNorm kernel). Optional outputs Mean and InvStdDev have the
 * input's shape with the normalized dims set to 1.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { broadcastShapes, sameShape, sizeOf } from '../../tensor/kernels.js';
import { layerNormInto } from '../../tensor/neural-kernels.js';
import type { TensorData } from '../dtypes.js';
import { need, needDType, newBroadcastIndex, newScratch, newValue, normAxis, type AllocContext, type OpArgs, type OpPlan, type Value } from './types.js';

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
    if (p && !sameShape(broadcastShapes(args.where, p.shape, normShape), normShape)) {
      throw new ShapeError(`${args.where}: ${name} must broadcast to ${fmtShape(normShape)}, got ${fmtShape(p.shape)}`, 'LayerNormalization');
    }
  }
  const weight = perFeature(args, scale, normShape);
  const shift = bias ? perFeature(args, bias, normShape) : null;
  const out = newValue(args, x.dtype, x.shape);
  const statShape = x.shape.map((v, i) => (i < axis ? v : 1));
  const meanOut = newValue(args, 'float32', statShape);
  const invOut = newValue(args, 'float32', statShape);
  const kernelArgs = {
    x: x.data as Float32Array | Float64Array,
    out: out.data as Float32Array | Float64Array,
    rows,
    width: d,
    eps,
    weight: weight.values,
    bias: shift?.values,
    mean: meanOut.data as Float32Array,
    rstd: invOut.data as Float32Array,
  };
  const run = (): void => {
    weight.fill();
    shift?.fill();
    layerNormInto(kernelArgs);
  };
  return { outputs: [out, meanOut, invOut].slice(0, Math.max(1, args.nOutputs)), run };
}

/**
 * Scale or B as `[d]` values for the kernel: the input's own buffer when it already has d values in
 * order, else a buffer refilled through the broadcast map at every run (the input may be computed).
 */
function perFeature(ctx: AllocContext, v: Value, normShape: readonly number[]): { values: Float32Array | Float64Array; fill: () => void } {
  const d = sizeOf(normShape);
  const src: TensorData = v.data;
  if (src.length === d && (src instanceof Float32Array || src instanceof Float64Array)) return { values: src, fill: () => {} };
  const idx = newBroadcastIndex(ctx, v.shape, normShape);
  const values = newScratch(ctx, d);
  return { values, fill: () => { for (let i = 0; i < d; i++) values[i] = src[idx[i]!]!; } };
}
