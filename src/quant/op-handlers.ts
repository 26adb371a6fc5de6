import { attrInt, DATA_TYPE_CODES, floatAttributeValue, intAttributeValue, makeNode, type onnx } from '../onnx/index.js';
import type { QuantizedWeightEntry, RewriteContext } from './rewrite-context.js';

/** What a handler did with one node. */
export type HandlerOutcome =
  | { readonly kind: 'rewritten'; readonly nodes: onnx.NodeProto[]; readonly weight: string }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'unchanged' };

/** Rewrites one node. Must decide every skip before it claims a name or emits a node. */
export type OpHandler = (node: onnx.NodeProto, ctx: RewriteContext) => HandlerOutcome;

/**
 * `y = A @ W` with a constant `W [K, N]` becomes
 * `DynamicQuantizeLinear(A) -> MatMulInteger -> Cast(float) -> Mul(a_scale * b_scale)`.
 */
const quantizeMatMul: OpHandler = (node, ctx) => {
  const [a, b] = node.input ?? [];
  const out = node.output?.[0];
  if (!a || !b || !out) return { kind: 'skipped', reason: 'node must have inputs A, B and an output' };
  const weight = ctx.quantizedWeight(b, false);
  if (typeof weight === 'string') return { kind: 'skipped', reason: weight };
  const nodes: onnx.NodeProto[] = [];
  emitIntegerMatMul(ctx, { node, activation: a, weight, bScale: weight.scaleName, y: out }, nodes);
  return { kind: 'rewritten', nodes, weight: b };
};

/**
 * `Y = alpha * A @ op(B) + beta * C` (op = transpose when transB=1) with a constant `B`: the MatMul
 * rewrite on `op(B)` (transposed once, at quantization time), alpha folded into the weight scale
 * (`float32(alpha * b_scale)`), then `Add(C)` (after `Mul(C, beta)` when beta is not 1).
 * onnxruntime's dynamic quantizer leaves Gemm in float; see docs/quantization.md.
 */
const quantizeGemm: OpHandler = (node, ctx) => {
  const [a, b, c] = node.input ?? [];
  const out = node.output?.[0];
  if (!a || !b || !out) return { kind: 'skipped', reason: 'node must have inputs A, B and an output' };
  if (intAttributeValue(node, 'transA', 0) !== 0) {
    return { kind: 'skipped', reason: 'transA=1 is not supported (the activation would need a Transpose)' };
  }
  const weight = ctx.quantizedWeight(b, intAttributeValue(node, 'transB', 0) !== 0);
  if (typeof weight === 'string') return { kind: 'skipped', reason: weight };

  const base = node.name || out;
  const alpha = floatAttributeValue(node, 'alpha', 1);
  const beta = floatAttributeValue(node, 'beta', 1);
  let bScale = weight.scaleName;
  if (alpha !== 1) {
    const scaled = new Float32Array(weight.scale.length);
    for (let i = 0; i < scaled.length; i++) scaled[i] = Math.fround(alpha * weight.scale[i]!);
    bScale = ctx.addFloatInitializer(`${base}_alpha_scale`, ctx.options.perChannel ? [scaled.length] : [], scaled);
  }
  const hasBias = Boolean(c) && beta !== 0;
  const nodes: onnx.NodeProto[] = [];
  const y = hasBias ? ctx.names.claimTensor(`${out}_scaled_output`) : out;
  emitIntegerMatMul(ctx, { node, activation: a, weight, bScale, y }, nodes);
  if (hasBias) {
    let bias = c!;
    if (beta !== 1) {
      const betaName = ctx.addFloatInitializer(`${base}_beta`, [], Float32Array.of(beta));
      bias = ctx.names.claimTensor(`${base}_beta_bias`);
      nodes.push(makeNode('Mul', [c!, betaName], [bias], { name: ctx.names.claimNode(`${base}_beta_mul`) }));
    }
    nodes.push(makeNode('Add', [y, bias], [out], { name: ctx.names.claimNode(`${base}_quant_bias_add`) }));
  }
  return { kind: 'rewritten', nodes, weight: b };
};

interface IntegerMatMulParts {
  node: onnx.NodeProto;
  activation: string;
  weight: QuantizedWeightEntry;
  /** The float32 scale tensor multiplied with the activation scale. */
  bScale: string;
  /** Output tensor of the final Mul. */
  y: string;
}

/** DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(Mul(a_scale, b_scale)), pushed onto `nodes`. */
function emitIntegerMatMul(ctx: RewriteContext, parts: IntegerMatMulParts, nodes: onnx.NodeProto[]): void {
  const { names } = ctx;
  const out = parts.node.output![0]!;
  const base = parts.node.name || out;
  const a = ctx.quantizedActivation(parts.activation, nodes);
  const w = parts.weight;
  const integerOut = names.claimTensor(`${out}_output_quantized`);
  nodes.push(makeNode('MatMulInteger', [a.qName, w.qName, a.zeroPointName, w.zeroPointName], [integerOut], { name: names.claimNode(`${base}_quant`) }));
  const castOut = names.claimTensor(`${integerOut}_cast_output`);
  nodes.push(makeNode('Cast', [integerOut], [castOut], { name: names.claimNode(`${integerOut}_cast`), attributes: { to: attrInt(DATA_TYPE_CODES.float32) } }));
  // The scale product is its own float32 Mul so that y = float32(float32(int) * float32(a_scale * b_scale)).
  const scales = names.claimTensor(`${base}_quant_scales_mul:0`);
  nodes.push(makeNode('Mul', [a.scaleName, parts.bScale], [scales], { name: names.claimNode(`${base}_quant_scales_mul`) }));
  nodes.push(makeNode('Mul', [castOut, scales], [parts.y], { name: names.claimNode(`${base}_quant_output_scale_mul`) }));
}

const passThrough: OpHandler = () => ({ kind: 'unchanged' });

/** The op types quantizeDynamic can rewrite, each with its handler. */
export const QUANT_HANDLERS = { MatMul: quantizeMatMul, Gemm: quantizeGemm } as const satisfies Record<string, OpHandler>;

/** An op type with a quantization handler. */
export type QuantizableOpType = keyof typeof QUANT_HANDLERS;

/** True when `opType` has a handler. */
export function isQuantizableOpType(opType: string): opType is QuantizableOpType {
  return Object.prototype.hasOwnProperty.call(QUANT_HANDLERS, opType);
}

/** The handler for a node: its op type's, when that type is selected and has one, else pass-through. */
export function handlerFor(opType: string, selected: ReadonlySet<string>): OpHandler {
  return selected.has(opType) && isQuantizableOpType(opType) ? QUANT_HANDLERS[opType] : passThrough;
}
