/**
 * ReduceMean, ReduceSum, ReduceMax, ReduceMin over `axes` (an attribute before opset 18 for Mean/
 * Max/Min and before opset 13 for Sum, an input from then on), with keepdims and
 * noop_with_empty_axes. Sums accumulate in float64.
 */
import { ShapeError } from '../../errors.js';
import { sizeOf, stridesOf } from '../../tensor/kernels.js';
import type { TensorData } from '../dtypes.js';
import { constInts, need, newScratch, newStridedIndex, newValue, type AllocContext, type OpArgs, type OpPlan } from './types.js';

type ReduceKind = 'ReduceMean' | 'ReduceSum' | 'ReduceMax' | 'ReduceMin';

export function planReduce(args: OpArgs): OpPlan {
  const kind = args.opType as ReduceKind;
  const x = need(args, 0, 'data');
  const rank = x.shape.length;
  const axesFromInput = kind === 'ReduceSum' ? args.opset >= 13 : args.opset >= 18;
  let axes: number[] = [];
  if (axesFromInput) {
    const given = args.inputs[1];
    if (given) axes = constInts(args, given, 'axes');
  } else {
    axes = args.attrs.ints('axes') ?? [];
  }
  if (axes.length === 0) {
    if (args.attrs.int('noop_with_empty_axes', 0) !== 0) return { outputs: [x] };
    axes = x.shape.map((_, i) => i);
  }
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) {
    const ax = a < 0 ? a + rank : a;
    if (!Number.isInteger(ax) || ax < 0 || ax >= rank) {
      throw new ShapeError(`${args.where}: axes must lie in [${-rank}, ${rank - 1}], got [${axes.join(',')}]`, kind);
    }
    reduced[ax] = true;
  }
  const keep = args.attrs.int('keepdims', 1) !== 0;
  const outShape: number[] = [];
  x.shape.forEach((d, i) => {
    if (!reduced[i]) outShape.push(d);
    else if (keep) outShape.push(1);
  });
  const out = newValue(args, x.dtype, outShape);
  const count = sizeOf(x.shape.filter((_, i) => reduced[i]));
  const first = reduced.indexOf(true);
  const last = reduced.lastIndexOf(true);
  const contiguous = reduced.slice(first, last + 1).every((r) => r);
  if (contiguous) {
    const outer = sizeOf(x.shape.slice(0, first));
    const inner = sizeOf(x.shape.slice(last + 1));
    return { outputs: [out], run: blockKernel(kind, x.data, out.data, { outer, r: count, inner }) };
  }
  return { outputs: [out], run: scatterKernel(kind, x.data, out.data, { idx: outputIndex(args, x.shape, reduced), acc: newScratch(args, out.data.length) }, count) };
}

/** Reduction of x viewed as [outer, r, inner] over the middle axis. */
function blockKernel(kind: ReduceKind, x: TensorData, o: TensorData, { outer, r, inner }: { outer: number; r: number; inner: number }): () => void {
  if (kind === 'ReduceMax' || kind === 'ReduceMin') {
    const sign = kind === 'ReduceMax' ? 1 : -1;
    return () => {
      for (let p = 0; p < outer; p++) {
        for (let q = 0; q < inner; q++) {
          const base = p * r * inner + q;
          let best = x[base]!;
          for (let i = 1; i < r; i++) {
            const v = x[base + i * inner]!;
            if (sign * v > sign * best || v !== v) best = v;
          }
          o[p * inner + q] = best;
        }
      }
    };
  }
  const scale = kind === 'ReduceMean' ? 1 / r : 1;
  return () => {
    for (let p = 0; p < outer; p++) {
      for (let q = 0; q < inner; q++) {
        o[p * inner + q] = pairedSum(x, p * r * inner + q, r, inner) * scale;
      }
    }
  };
}

/**
 * The float64 sum of `x[base + i * stride]` for i < count, in ReduceSum's and ReduceMean's order:
 * even and odd terms in two accumulators (two independent chains of adds), then their sum. A fused
 * kernel that replaces a ReduceSum sums through this, so its results are bit-identical.
 */
export function pairedSum(x: ArrayLike<number>, base: number, count: number, stride: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < count; i += 2) {
    s0 += x[base + i * stride]!;
    s1 += x[base + (i + 1) * stride]!;
  }
  if (i < count) s0 += x[base + i * stride]!;
  return s0 + s1;
}

/** Reduction over non-adjacent axes through a precomputed input → output index map. */
function scatterKernel(kind: ReduceKind, x: TensorData, o: TensorData, work: { idx: Int32Array; acc: Float64Array }, count: number): () => void {
  const { idx, acc } = work;
  const init = kind === 'ReduceMax' ? -Infinity : kind === 'ReduceMin' ? Infinity : 0;
  return () => {
    acc.fill(init);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const j = idx[i]!;
      if (kind === 'ReduceMax') acc[j] = Math.max(acc[j]!, v);
      else if (kind === 'ReduceMin') acc[j] = Math.min(acc[j]!, v);
      else acc[j]! += v;
    }
    for (let j = 0; j < o.length; j++) o[j] = kind === 'ReduceMean' ? acc[j]! / count : acc[j]!;
  };
}

function outputIndex(ctx: AllocContext, shape: readonly number[], reduced: readonly boolean[]): Int32Array {
  // Input element -> its output slot: the kept dims step by the output's strides, reduced dims by 0.
  const outStrides = stridesOf(shape.map((d, i) => (reduced[i] ? 1 : d)));
  return newStridedIndex(ctx, shape, outStrides.map((s, d) => (reduced[d] ? 0 : s)));
}
