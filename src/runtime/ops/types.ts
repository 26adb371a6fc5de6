/**
 * The contract between the planner and the op files. An op's planner runs once per input-shape plan:
 * it checks its inputs' dtypes and (static) shapes, allocates its output buffers and returns a `run`
 * closure bound to those buffers. The planner calls `run` once at plan time when every input is a
 * constant (constant folding), otherwise appends it to the step list that `OnnxModel.run` executes.
 */
import { FormatError, ShapeError, UnsupportedOpError, fmtShape } from '../../errors.js';
import { sizeOf } from '../../tensor/index.js';
import { allocData, type DType, type TensorData } from '../dtypes.js';
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
}

/** What an op's planner returns: its outputs (buffers allocated) and the kernel filling them. */
export interface OpPlan {
  outputs: Value[];
  /** Absent when the outputs need no computation (aliases, shape-only results). */
  run?: () => void;
}

export type OpPlanner = (args: OpArgs) => OpPlan;

/** A fresh value with a zeroed buffer. */
export function newValue(dtype: DType, shape: readonly number[]): Value {
  return { dtype, shape: [...shape], data: allocData(dtype, sizeOf(shape)), isConst: false };
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
