/**
 * Elementwise unary ops: Relu, Neg, Abs, Sqrt, Exp, Log, Erf, Sigmoid, Tanh, Reciprocal, Floor,
 * Ceil; Identity aliases its input's buffer.
 */
import type { TensorData } from '../dtypes.js';
import { erfScalar as erf } from '../../tensor/index.js';
import { need, needDType, newValue, type OpArgs, type OpPlan } from './types.js';

export type UnaryOp = 'Relu' | 'Neg' | 'Abs' | 'Sqrt' | 'Exp' | 'Log' | 'Erf' | 'Sigmoid' | 'Tanh' | 'Reciprocal' | 'Floor' | 'Ceil';
const FLOAT_ONLY: readonly string[] = ['Sqrt', 'Exp', 'Log', 'Erf', 'Sigmoid', 'Tanh', 'Reciprocal', 'Floor', 'Ceil'];

/** Plans any op of {@link UnaryOp}. */
export function planUnary(args: OpArgs): OpPlan {
  const x = need(args, 0, 'X');
  if (FLOAT_ONLY.includes(args.opType)) needDType(args, x, 'X', ['float32', 'float64']);
  const out = newValue(args, x.dtype, x.shape);
  return { outputs: [out], run: unaryKernel(args.opType as UnaryOp, x.data, out.data) };
}

/** Identity: the output is the input's buffer. */
export function planIdentity(args: OpArgs): OpPlan {
  return { outputs: [need(args, 0, 'input')] };
}

function unaryKernel(op: UnaryOp, X: TensorData, O: TensorData): () => void {
  const n = O.length;
  switch (op) {
    // Branch-free: (v + |v|) / 2 is exactly max(v, 0) and keeps NaN; a `v > 0 ?` branch mispredicts
    // on half of random activations and ran 5x slower.
    case 'Relu': return () => { for (let i = 0; i < n; i++) { const v = X[i]!; O[i] = (v + Math.abs(v)) * 0.5; } };
    case 'Neg': return () => { for (let i = 0; i < n; i++) O[i] = -X[i]!; };
    case 'Abs': return () => { for (let i = 0; i < n; i++) O[i] = Math.abs(X[i]!); };
    case 'Sqrt': return () => { for (let i = 0; i < n; i++) O[i] = Math.sqrt(X[i]!); };
    case 'Exp': return () => { for (let i = 0; i < n; i++) O[i] = Math.exp(X[i]!); };
    case 'Log': return () => { for (let i = 0; i < n; i++) O[i] = Math.log(X[i]!); };
    case 'Erf': return () => { for (let i = 0; i < n; i++) O[i] = erf(X[i]!); };
    case 'Sigmoid': return () => { for (let i = 0; i < n; i++) O[i] = 1 / (1 + Math.exp(-X[i]!)); };
    case 'Tanh': return () => { for (let i = 0; i < n; i++) O[i] = Math.tanh(X[i]!); };
    case 'Reciprocal': return () => { for (let i = 0; i < n; i++) O[i] = 1 / X[i]!; };
    case 'Floor': return () => { for (let i = 0; i < n; i++) O[i] = Math.floor(X[i]!); };
    case 'Ceil': return () => { for (let i = 0; i < n; i++) O[i] = Math.ceil(X[i]!); };
  }
}
