/**
 * Elementwise binary ops with NumPy broadcasting: Add, Sub, Mul, Div, Pow, Max, Min (two or more
 * inputs), Equal, Greater, Less. Integer Div truncates toward zero, as ONNX specifies.
 */
import { FormatError } from '../../errors.js';
import { broadcastShapes, sameShape } from '../../tensor/index.js';
import { isIntegerDType, type TensorData } from '../dtypes.js';
import { need, newBroadcastIndex, newValue, type OpArgs, type OpPlan, type Value } from './types.js';

export type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Max' | 'Min' | 'Equal' | 'Greater' | 'Less';
const COMPARISONS: readonly string[] = ['Equal', 'Greater', 'Less'];

/** Plans any op of {@link BinaryOp}; Max and Min fold three or more inputs pairwise. */
export function planBinary(args: OpArgs): OpPlan {
  const op = args.opType as BinaryOp;
  const first = need(args, 0, 'A');
  if ((op === 'Max' || op === 'Min') && args.inputs.length === 1) {
    return { outputs: [first] };
  }
  const runs: (() => void)[] = [];
  let acc = first;
  for (let i = 1; i < args.inputs.length; i++) {
    const step = planPair(args, op, acc, need(args, i, `input ${i}`));
    acc = step.out;
    runs.push(step.run);
  }
  const run = runs.length === 1 ? runs[0]! : (): void => {
    for (const r of runs) r();
  };
  return { outputs: [acc], run };
}

function planPair(args: OpArgs, op: BinaryOp, a: Value, b: Value): { out: Value; run: () => void } {
  if (op !== 'Pow' && a.dtype !== b.dtype) {
    throw new FormatError(`${args.where}: input types must match, got ${a.dtype} and ${b.dtype}`);
  }
  const shape = broadcastShapes(args.where, a.shape, b.shape);
  const out = newValue(args, COMPARISONS.includes(op) ? 'bool' : a.dtype, shape);
  if (op === 'Pow' && b.isConst && b.data.length === 1 && b.data[0] === 2 && sameShape(a.shape, shape)) {
    const x = a.data;
    const o = out.data;
    return { out, run: () => { for (let i = 0; i < o.length; i++) o[i] = x[i]! * x[i]!; } };
  }
  const flat = sameShape(a.shape, shape) && sameShape(b.shape, shape);
  const kernel = flat ? flatKernel : indexedKernel;
  const ai = flat ? EMPTY : newBroadcastIndex(args, a.shape, shape);
  const bi = flat ? EMPTY : newBroadcastIndex(args, b.shape, shape);
  const code = op === 'Div' && isIntegerDType(a.dtype) ? 'IntDiv' : op;
  return { out, run: kernel(code, a.data, b.data, out.data, ai, bi) };
}

const EMPTY = new Int32Array(0);
type Code = BinaryOp | 'IntDiv';

function flatKernel(op: Code, A: TensorData, B: TensorData, O: TensorData): () => void {
  const n = O.length;
  switch (op) {
    case 'Add': return () => { for (let i = 0; i < n; i++) O[i] = A[i]! + B[i]!; };
    case 'Sub': return () => { for (let i = 0; i < n; i++) O[i] = A[i]! - B[i]!; };
    case 'Mul': return () => { for (let i = 0; i < n; i++) O[i] = A[i]! * B[i]!; };
    case 'Div': return () => { for (let i = 0; i < n; i++) O[i] = A[i]! / B[i]!; };
    case 'IntDiv': return () => { for (let i = 0; i < n; i++) O[i] = Math.trunc(A[i]! / B[i]!); };
    case 'Pow': return () => { for (let i = 0; i < n; i++) O[i] = Math.pow(A[i]!, B[i]!); };
    case 'Max': return () => { for (let i = 0; i < n; i++) O[i] = Math.max(A[i]!, B[i]!); };
    case 'Min': return () => { for (let i = 0; i < n; i++) O[i] = Math.min(A[i]!, B[i]!); };
    case 'Equal': return () => { for (let i = 0; i < n; i++) O[i] = A[i] === B[i] ? 1 : 0; };
    case 'Greater': return () => { for (let i = 0; i < n; i++) O[i] = A[i]! > B[i]! ? 1 : 0; };
    case 'Less': return () => { for (let i = 0; i < n; i++) O[i] = A[i]! < B[i]! ? 1 : 0; };
  }
}

function indexedKernel(op: Code, A: TensorData, B: TensorData, O: TensorData, ai: Int32Array, bi: Int32Array): () => void {
  const n = O.length;
  switch (op) {
    case 'Add': return () => { for (let i = 0; i < n; i++) O[i] = A[ai[i]!]! + B[bi[i]!]!; };
    case 'Sub': return () => { for (let i = 0; i < n; i++) O[i] = A[ai[i]!]! - B[bi[i]!]!; };
    case 'Mul': return () => { for (let i = 0; i < n; i++) O[i] = A[ai[i]!]! * B[bi[i]!]!; };
    case 'Div': return () => { for (let i = 0; i < n; i++) O[i] = A[ai[i]!]! / B[bi[i]!]!; };
    case 'IntDiv': return () => { for (let i = 0; i < n; i++) O[i] = Math.trunc(A[ai[i]!]! / B[bi[i]!]!); };
    case 'Pow': return () => { for (let i = 0; i < n; i++) O[i] = Math.pow(A[ai[i]!]!, B[bi[i]!]!); };
    case 'Max': return () => { for (let i = 0; i < n; i++) O[i] = Math.max(A[ai[i]!]!, B[bi[i]!]!); };
    case 'Min': return () => { for (let i = 0; i < n; i++) O[i] = Math.min(A[ai[i]!]!, B[bi[i]!]!); };
    case 'Equal': return () => { for (let i = 0; i < n; i++) O[i] = A[ai[i]!] === B[bi[i]!] ? 1 : 0; };
    case 'Greater': return () => { for (let i = 0; i < n; i++) O[i] = A[ai[i]!]! > B[bi[i]!]! ? 1 : 0; };
    case 'Less': return () => { for (let i = 0; i < n; i++) O[i] = A[ai[i]!]! < B[bi[i]!]! ? 1 : 0; };
  }
}
