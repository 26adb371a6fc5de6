/**
 * Slice (starts/ends/axes/steps as inputs from opset 10, attributes before), with ONNX clamping of
 * out-of-range and negative indices, through a gather index computed at plan time.
 */
import { ShapeError } from '../../errors.js';
import { sizeOf, stridesOf } from '../../tensor/index.js';
import { constInts, need, newIndex, newValue, normAxis, type OpArgs, type OpPlan } from './types.js';

export function planSlice(args: OpArgs): OpPlan {
  const x = need(args, 0, 'data');
  const rank = x.shape.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (args.opset >= 10) {
    starts = constInts(args, need(args, 1, 'starts'), 'starts');
    ends = constInts(args, need(args, 2, 'ends'), 'ends');
    axes = args.inputs[3] ? constInts(args, args.inputs[3], 'axes') : undefined;
    steps = args.inputs[4] ? constInts(args, args.inputs[4], 'steps') : undefined;
  } else {
    starts = args.attrs.ints('starts') ?? [];
    ends = args.attrs.ints('ends') ?? [];
    axes = args.attrs.ints('axes');
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new ShapeError(`${args.where}: starts, ends, axes and steps must have equal lengths, got ${starts.length}, ${ends.length}, ${axes.length}, ${steps.length}`, 'Slice');
  }
  const begin = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const outShape = [...x.shape];
  axes.forEach((a, i) => {
    const ax = normAxis(args, a, rank);
    const dim = x.shape[ax]!;
    const st = steps![i]!;
    if (st === 0) throw new ShapeError(`${args.where}: steps must be non-zero, got 0 on axis ${a}`, 'Slice');
    let s = starts[i]! < 0 ? starts[i]! + dim : starts[i]!;
    let e = ends[i]! < 0 ? ends[i]! + dim : ends[i]!;
    if (st > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      outShape[ax] = Math.max(0, Math.ceil((e - s) / st));
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      outShape[ax] = Math.max(0, Math.ceil((s - e) / -st));
    }
    begin[ax] = s;
    step[ax] = st;
  });
  const out = newValue(args, x.dtype, outShape);
  const inStrides = stridesOf(x.shape);
  const idx = newIndex(args, sizeOf(outShape));
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < idx.length; i++) {
    let j = 0;
    for (let d = 0; d < rank; d++) j += (begin[d]! + counter[d]! * step[d]!) * inStrides[d]!;
    idx[i] = j;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d]! < outShape[d]!) break;
      counter[d] = 0;
    }
  }
  const xd = x.data;
  const od = out.data;
  return { outputs: [out], run: () => { for (let i = 0; i < idx.length; i++) od[i] = xd[idx[i]!]!; } };
}
