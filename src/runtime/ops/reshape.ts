/**
 * Ops that only relabel the shape: Reshape (0 copies a dim unless allowzero, -1 infers one),
 * Flatten, Squeeze and Unsqueeze (axes an attribute before opset 13, an input from 13). The output
 * shares the input's buffer: no copy, no step.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { sizeOf } from '../../tensor/kernels.js';
import { constInts, need, normAxis, type OpArgs, type OpPlan, type Value } from './types.js';

function alias(x: Value, shape: readonly number[]): OpPlan {
  return { outputs: [{ dtype: x.dtype, shape: [...shape], data: x.data, isConst: x.isConst }] };
}

export function planReshape(args: OpArgs): OpPlan {
  const x = need(args, 0, 'data');
  const spec = constInts(args, need(args, 1, 'shape'), 'shape');
  const allowZero = args.attrs.int('allowzero', 0) !== 0;
  const shape = spec.map((d, i) => (d === 0 && !allowZero ? (x.shape[i] ?? NaN) : d));
  const unknown = shape.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== unknown));
    shape[unknown] = known === 0 ? 0 : sizeOf(x.shape) / known;
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(shape) !== sizeOf(x.shape) || shape.indexOf(-1) !== shape.lastIndexOf(-1)) {
    throw new ShapeError(`${args.where}: shape must keep the ${sizeOf(x.shape)} elements of ${fmtShape(x.shape)}, got [${spec.join(',')}]`, 'Reshape', [x.shape]);
  }
  return alias(x, shape);
}

export function planFlatten(args: OpArgs): OpPlan {
  const x = need(args, 0, 'input');
  const rank = x.shape.length;
  const raw = args.attrs.int('axis', 1);
  const axis = raw === rank ? rank : normAxis(args, raw, rank);
  return alias(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))]);
}

function axesOf(args: OpArgs): number[] | undefined {
  if (args.opset >= 13) {
    const given = args.inputs[1];
    return given ? constInts(args, given, 'axes') : undefined;
  }
  return args.attrs.ints('axes');
}

export function planSqueeze(args: OpArgs): OpPlan {
  const x = need(args, 0, 'data');
  const axes = axesOf(args);
  const drop = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normAxis(args, a, x.shape.length)));
  for (const a of drop) {
    if (x.shape[a] !== 1) {
      throw new ShapeError(`${args.where}: squeezed axis ${a} must have size 1, got shape ${fmtShape(x.shape)}`, 'Squeeze', [x.shape]);
    }
  }
  return alias(x, x.shape.filter((_, i) => !drop.has(i)));
}

export function planUnsqueeze(args: OpArgs): OpPlan {
  const x = need(args, 0, 'data');
  const axes = axesOf(args) ?? [];
  const rank = x.shape.length + axes.length;
  const add = new Set(axes.map((a) => normAxis(args, a, rank)));
  if (add.size !== axes.length) {
    throw new ShapeError(`${args.where}: axes must be distinct, got [${axes.join(',')}]`, 'Unsqueeze');
  }
  const shape: number[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) shape.push(add.has(i) ? 1 : x.shape[src++]!);
  return alias(x, shape);
}
