/**
 * The closed set of differentiable primitives and the attributes each one records for its backward.
 * `Primitive` is the string-literal union of these names; the rule table in rules.ts is typed as a
 * mapped type over it, so adding a primitive here without a backward rule fails `tsc`.
 */
import type { Tensor } from '../tensor/index.js';

type None = Record<string, never>;

/** Attributes per primitive (what the forward saw, beyond the input values). */
export interface PrimitiveAttrs {
  add: None;
  sub: None;
  mul: None;
  div: None;
  neg: None;
  exp: None;
  log: None;
  sqrt: None;
  abs: None;
  tanh: None;
  sigmoid: None;
  relu: None;
  pow: { exponent: number };
  scale: { factor: number };
  gelu: { approximate: 'none' | 'tanh' };
  clamp: { min: number; max: number };
  /** Inputs `[a, b]`; the condition is data, not differentiable. */
  where: { cond: Tensor };
  sum: { axis: number | null; keepDims: boolean };
  /** `indices`: argmax per output element along `axis` (flat index when axis is null). */
  max: { axis: number | null; keepDims: boolean; indices: Int32Array };
  matmul: None;
  /** Inputs `[x, weight]` or `[x, weight, bias]`. */
  linear: None;
  permute: { perm: readonly number[] };
  reshape: None;
  concat: { axis: number };
  slice: { axis: number; start: number; step: number };
  softmax: { axis: number };
  logSoftmax: { axis: number };
  /** Inputs `[x]`, `[x, weight]` or `[x, weight, bias]`; row statistics saved from the forward. */
  layerNorm: { mean: Float64Array; rstd: Float64Array };
}

export type Primitive = keyof PrimitiveAttrs;

/** Every primitive, in a fixed order (the gradient-check test iterates this list). */
export const PRIMITIVES = [
  'add', 'sub', 'mul', 'div', 'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu',
  'pow', 'scale', 'gelu', 'clamp', 'where', 'sum', 'max', 'matmul', 'linear', 'permute',
  'reshape', 'concat', 'slice', 'softmax', 'logSoftmax', 'layerNorm',
] as const satisfies readonly Primitive[];

/** Compile-time check that PRIMITIVES lists every primitive. */
type Missing = Exclude<Primitive, (typeof PRIMITIVES)[number]>;
const allListed: Missing extends never ? true : Missing = true;
void allListed;
