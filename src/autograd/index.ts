/**
 * Reverse-mode automatic differentiation over ../tensor: `Var` values, differentiable ops built on
 * a closed set of primitives (see primitives.ts and the rule table in rules.ts), `backward`,
 * `noGrad`, `detach`, `zeroGrad`.
 */
export { Var, type VarOptions, type Node, type Operand, noGrad, isGradEnabled, param, toVar, detach, zeroGrad } from './variable.js';
export { PRIMITIVES, type Primitive, type PrimitiveAttrs } from './primitives.js';
export { rules, type RuleTable, type BackwardRule, type RuleContext } from './rules.js';
export { backward } from './backward.js';
export {
  add, sub, mul, div, neg, exp, log, sqrt, abs, tanh, sigmoid, relu, pow, scale, gelu, clamp, where,
} from './ops-elementwise.js';
export { sum, mean, max, matmul, permute, transpose, reshape, concat, slice } from './ops-shape.js';
export { linear, softmax, logSoftmax, layerNorm, mseLoss, type LayerNormVarOptions } from './ops-nn.js';
export { layerNormGradInto, type LayerNormGradInto } from './grad-kernels.js';
