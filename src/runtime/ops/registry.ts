/**
 * The one table of supported ops, keyed by `domain:OpType` ('' is the default ai.onnx domain).
 * Loading a model with a node whose key is not here fails with UnsupportedOpError.
 */
import { planBinary } from './binary.js';
import { planCast } from './cast.js';
import { planConcat } from './concat.js';
import { planConstant, planConstantOfShape, planShape } from './constant.js';
import { planGather } from './gather.js';
import { planReduce } from './reduce.js';
import { planFlatten, planReshape, planSqueeze, planUnsqueeze } from './reshape.js';
import { planSlice } from './slice.js';
import { planTranspose } from './transpose.js';
import type { OpPlanner } from './types.js';
import * as forest from './forest.js';
import * as neural from './neural.js';
import { planIdentity, planUnary } from './unary.js';
import { planExpand, planWhere } from './where.js';

// The neural ops and the forest's are read from ./neural.ts's and ./forest.ts's namespaces when a
// node is planned, not at import: the runtime bundle loads each graph from a file of its own on first
// use.
const DEFAULT_DOMAIN_OPS: Record<string, OpPlanner> = {
  Abs: planUnary,
  Add: planBinary,
  Cast: planCast,
  Ceil: planUnary,
  Concat: planConcat,
  Constant: planConstant,
  ConstantOfShape: planConstantOfShape,
  Div: planBinary,
  DynamicQuantizeLinear: (args) => neural.planDynamicQuantizeLinear(args),
  Equal: planBinary,
  Erf: planUnary,
  Exp: planUnary,
  Expand: planExpand,
  Flatten: planFlatten,
  Floor: planUnary,
  Gather: planGather,
  Gemm: (args) => neural.planGemm(args),
  Greater: planBinary,
  Identity: planIdentity,
  LayerNormalization: (args) => neural.planLayerNorm(args),
  Less: planBinary,
  Log: planUnary,
  LogSoftmax: (args) => neural.planSoftmax(args),
  MatMul: (args) => neural.planMatMul(args),
  MatMulInteger: (args) => neural.planMatMulInteger(args),
  Max: planBinary,
  Min: planBinary,
  Mul: planBinary,
  Neg: planUnary,
  Pow: planBinary,
  Reciprocal: planUnary,
  ReduceMax: planReduce,
  ReduceMean: planReduce,
  ReduceMin: planReduce,
  ReduceSum: planReduce,
  Relu: planUnary,
  Reshape: planReshape,
  Shape: planShape,
  Sigmoid: planUnary,
  Slice: planSlice,
  Softmax: (args) => neural.planSoftmax(args),
  Sqrt: planUnary,
  Squeeze: planSqueeze,
  Sub: planBinary,
  Tanh: planUnary,
  Transpose: planTranspose,
  Unsqueeze: planUnsqueeze,
  Where: planWhere,
};

const ML_DOMAIN_OPS: Record<string, OpPlanner> = {
  TreeEnsembleRegressor: (args) => forest.planTreeEnsembleRegressor(args),
};

const TABLE = new Map<string, OpPlanner>([
  ...Object.entries(DEFAULT_DOMAIN_OPS).map(([op, p]) => [`:${op}`, p] as const),
  ...Object.entries(ML_DOMAIN_OPS).map(([op, p]) => [`ai.onnx.ml:${op}`, p] as const),
]);

/** The planner for an op, or undefined when unsupported. `domain` '' or 'ai.onnx' is the default domain. */
export function findOp(domain: string, opType: string): OpPlanner | undefined {
  return TABLE.get(`${domain === 'ai.onnx' ? '' : domain}:${opType}`);
}

/** Every supported op as `OpType` (default domain) or `domain:OpType`, sorted. */
export const SUPPORTED_OPS: readonly string[] = [
  ...Object.keys(DEFAULT_DOMAIN_OPS),
  ...Object.keys(ML_DOMAIN_OPS).map((op) => `ai.onnx.ml:${op}`),
].sort();
