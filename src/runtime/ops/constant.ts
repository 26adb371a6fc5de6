/**
 * Ops whose outputs are known at plan time: Constant (value, value_float(s), value_int(s)), Shape
 * (with opset-15 start/end) and ConstantOfShape.
 */
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import { attributeTensor, constInts, constValue, need, newValue, type OpArgs, type OpPlan } from './types.js';

export function planConstant(args: OpArgs): OpPlan {
  const { attrs } = args;
  const v = attributeTensor(args, 'value');
  if (v) return { outputs: [constValue(v.dtype, v.shape, v.data)] };
  if (attrs.has('value_float')) return { outputs: [constValue('float32', [], Float32Array.of(attrs.float('value_float', 0)))] };
  const floats = attrs.floats('value_floats');
  if (floats) return { outputs: [constValue('float32', [floats.length], Float32Array.from(floats))] };
  if (attrs.has('value_int')) return { outputs: [constValue('int64', [], Float64Array.of(attrs.int('value_int', 0)))] };
  const ints = attrs.ints('value_ints');
  if (ints) return { outputs: [constValue('int64', [ints.length], Float64Array.from(ints))] };
  throw new UnsupportedOpError(
    `${args.where}: attribute must be one of value, value_float, value_floats, value_int, value_ints, got ${[...(args.attrs.names())].join(', ') || 'none'}`,
    'Constant',
  );
}

export function planShape(args: OpArgs): OpPlan {
  const x = need(args, 0, 'data');
  const rank = x.shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(args.attrs.int('start', 0));
  const end = clamp(args.attrs.int('end', rank));
  const dims = x.shape.slice(start, Math.max(start, end));
  return { outputs: [constValue('int64', [dims.length], Float64Array.from(dims))] };
}

export function planConstantOfShape(args: OpArgs): OpPlan {
  const shape = constInts(args, need(args, 0, 'input'), 'input');
  const fill = attributeTensor(args, 'value') ?? { dtype: 'float32' as const, data: Float32Array.of(0) };
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ShapeError(`${args.where}: shape must be non-negative integers, got [${shape.join(',')}]`, 'ConstantOfShape');
  }
  // newValue reserves the output in the plan's budget before allocating it (ConstantOfShape([2^31]) stops there).
  const out = newValue(args, fill.dtype, shape);
  out.data.fill(fill.data[0] ?? 0);
  out.isConst = true;
  return { outputs: [out] };
}
