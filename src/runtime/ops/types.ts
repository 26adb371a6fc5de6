/**
 * The contract between the planner and the op files. An op's planner runs once per input-shape plan:
 * it checks its inputs' dtypes and (static) shapes, allocates its output buffers and returns a `run`
 * closure bound to those buffers. The planner calls `run` once at plan time when every input is a
 * constant (constant folding), otherwise appends it to the step list that `OnnxModel.run` executes.
 * Every buffer that grows with a shape is allocated through {@link newValue}, {@link newIndex},
 * {@link newBroadcastIndex}, {@link newStridedIndex} or {@link newScratch}, which reserve it in the
 * plan's {@link ByteBudget} first: a shape the file asks for (ConstantOfShape, Expand, a batch at run
 * time) fails with a LimitError before any allocation. Tensor's index kernels allocate their maps, so
 * ops call them only through these helpers.
 */
import { FormatError, ShapeError, UnsupportedOpError, fmtShape } from '../../errors.js';
import type { ByteBudget } from '../../limits.js';
import { broadcastIndex, sizeOf, stridedIndex } from '../../tensor/kernels.js';
import { RAW_BYTES, allocData, type DType, type Tensor, type TensorData } from '../dtypes.js';
import { tensorByteLength, tensorFromProto } from '../tensor-proto.js';
import type { Attributes } from '../proto-utils.js';

/** One value of the graph inside a plan: its buffer exists from plan time; `isConst` = contents known. */
export interface Value {
  dtype: DType;
  shape: readonly number[];
  data: TensorData;
  isConst: boolean;
}

/** What an op's planner receives. */
export interface OpArgs {
  /** `OpType "node name"` for messages. */
  where: string;
  opType: string;
  attrs: Attributes;
  /** In node order; `undefined` for an omitted optional input (empty name). */
  inputs: readonly (Value | undefined)[];
  /** Number of outputs the node declares. */
  nOutputs: number;
  /** Opset version of the node's domain. */
  opset: number;
  /** The plan's memory budget (initializers plus every buffer planned so far). */
  budget: ByteBudget;
}

/** What the allocating helpers need: where to point in messages, and the budget to reserve in. */
export type AllocContext = Pick<OpArgs, 'where' | 'budget'>;

/** What an op's planner returns: its outputs (buffers allocated) and the kernel filling them. */
export interface OpPlan {
  outputs: Value[];
  /** Absent when the outputs need no computation (aliases, shape-only results). */
  run?: () => void;
}

export type OpPlanner = (args: OpArgs) => OpPlan;

/**
 * Single-row calls a plan serves on its start-up path before it builds its fast one: the model's
 * first scores run the JavaScript kernels (runtime/onnx-model.ts) and a forest's the general walk
 * (tree-walk.ts). Building the fast path (emitting and compiling WebAssembly kernels, copying
 * weights or a packed forest into the kernel heap) costs an agent that scores once milliseconds and
 * megabytes it does not need; one that scores for long switches after these calls (docs/edge.md).
 */
export const WARM_UP_CALLS = 64;

/**
 * A fresh value with a zeroed buffer, reserved in the budget first.
 * @throws ShapeError when a dim is not a non-negative integer; LimitError past the budget
 */
export function newValue(ctx: AllocContext, dtype: DType, shape: readonly number[]): Value {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${ctx.where}: output shape must be non-negative integers, got ${fmtShape(shape)}`, undefined, [shape]);
  }
  const size = sizeOf(shape);
  ctx.budget.reserve(size * RAW_BYTES[dtype], ctx.where, `${dtype} buffer ${fmtShape(shape)}`);
  return { dtype, shape: [...shape], data: allocData(dtype, size), isConst: false };
}

/**
 * The tensor held by attribute `name` (undefined when absent), copied into a typed array after it is
 * reserved in the budget. @throws FormatError for a bad tensor; LimitError past the budget
 */
export function attributeTensor(args: OpArgs, name: string): Tensor | undefined {
  const t = args.attrs.tensor(name);
  if (!t) return undefined;
  const where = `${args.where}: attribute ${name}`;
  args.budget.reserve(tensorByteLength(t, where), args.where, `attribute ${name}`);
  return tensorFromProto(t, where);
}

/** A zeroed index map of `count` entries (one per output element), reserved first. @throws LimitError */
export function newIndex(ctx: AllocContext, count: number): Int32Array {
  reserveIndex(ctx, count);
  return new Int32Array(count);
}

/** Tensor's {@link broadcastIndex} (one entry per element of `outShape`), reserved first. @throws LimitError */
export function newBroadcastIndex(ctx: AllocContext, inShape: readonly number[], outShape: readonly number[]): Int32Array {
  reserveIndex(ctx, sizeOf(outShape));
  return broadcastIndex(inShape, outShape);
}

/** Tensor's {@link stridedIndex} (one entry per element of `outShape`), reserved first. @throws LimitError */
export function newStridedIndex(ctx: AllocContext, outShape: readonly number[], steps: readonly number[]): Int32Array {
  reserveIndex(ctx, sizeOf(outShape));
  return stridedIndex(outShape, steps);
}

function reserveIndex(ctx: AllocContext, count: number): void {
  ctx.budget.reserve(count * Int32Array.BYTES_PER_ELEMENT, ctx.where, `index map of ${count} entries`);
}

/** A zeroed float64 work buffer of `count` entries, reserved first. @throws LimitError */
export function newScratch(ctx: AllocContext, count: number): Float64Array {
  ctx.budget.reserve(count * Float64Array.BYTES_PER_ELEMENT, ctx.where, `work buffer of ${count} float64`);
  return new Float64Array(count);
}

/** A constant value wrapping `data`. */
export function constValue(dtype: DType, shape: readonly number[], data: TensorData): Value {
  return { dtype, shape: [...shape], data, isConst: true };
}

/** The i-th input, which the op requires. @throws FormatError when absent */
export function need(args: OpArgs, i: number, name: string): Value {
  const v = args.inputs[i];
  if (!v) throw new FormatError(`${args.where}: input ${i} (${name}) must be given, got none`);
  return v;
}

/** The integer contents of an input that decides output shapes. @throws UnsupportedOpError if not constant */
export function constInts(args: OpArgs, v: Value, name: string): number[] {
  if (!v.isConst) {
    throw new UnsupportedOpError(
      `${args.where}: input ${name} must be a constant (or computable from shapes) at plan time, got a value that depends on the data`,
      args.opType,
    );
  }
  return Array.from(v.data, (x) => Number(x));
}

/** Normalizes a possibly negative axis. @throws ShapeError when out of range */
export function normAxis(args: OpArgs, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new ShapeError(`${args.where}: axis must be in [${-rank}, ${rank - 1}], got ${axis}`, args.opType);
  }
  return a;
}

/** Requires one of the given dtypes. @throws UnsupportedOpError otherwise */
export function needDType(args: OpArgs, v: Value, name: string, allowed: readonly DType[]): void {
  if (!allowed.includes(v.dtype)) {
    throw new UnsupportedOpError(`${args.where}: ${name} type must be one of ${allowed.join(', ')}, got ${v.dtype}`, args.opType);
  }
}

/** Requires a given rank. @throws ShapeError otherwise */
export function needRank(args: OpArgs, v: Value, name: string, rank: number): void {
  if (v.shape.length !== rank) {
    throw new ShapeError(`${args.where}: ${name} must have rank ${rank}, got shape ${fmtShape(v.shape)}`, args.opType, [v.shape]);
  }
}
