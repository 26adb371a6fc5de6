import type { onnx } from 'onnx-proto';
import { FormatError, InvalidOptionError } from '../errors.js';
import { QUANT_HANDLERS, isQuantizableOpType, type QuantizableOpType } from './op-handlers.js';
import type { WeightType } from './quant-range.js';
import type { ResolvedQuantOptions } from './rewrite-context.js';
import { rewriteModel, type QuantizeReport } from './rewrite-model.js';

/** Options of {@link quantizeDynamic} (onnxruntime `quantize_dynamic` names in parentheses). */
export interface QuantizeDynamicOptions {
  /** One scale/zero point per output column of each weight (`per_channel`). Default false. */
  perChannel?: boolean;
  /** Weight storage type (`weight_type`). Default `'int8'`. */
  weightType?: WeightType;
  /** Symmetric weight range (`extra_options.WeightSymmetric`). Default true for int8, false for uint8. */
  symmetric?: boolean;
  /** 7-bit weight ranges (`reduce_range`). Default false. */
  reduceRange?: boolean;
  /** Names of nodes to leave in float (`nodes_to_exclude`); each must name a node of the graph. */
  nodesToExclude?: readonly string[];
  /** Op types to rewrite (`op_types_to_quantize`). Default `['MatMul', 'Gemm']`. */
  opTypesToQuantize?: readonly QuantizableOpType[];
}

/**
 * Dynamic int8 quantization of an ONNX model, like onnxruntime's `quantize_dynamic` (IntegerOps mode):
 * every MatMul and Gemm whose weight (input B) is a constant rank-2 float32 initializer becomes
 * `DynamicQuantizeLinear(A) -> MatMulInteger(A_q, W_q, A_zp, W_zp) -> Cast(float)
 *  -> Mul(·, Mul(A_scale, W_scale)) [-> Add(C) for Gemm]`, with the weight quantized once at rewrite time.
 * The input model is not modified; the result is a deep copy. See docs/quantization.md.
 *
 * @param model a decoded `onnx.ModelProto` (or a plain object of the same shape).
 * @returns the quantized model and a report of rewritten and skipped nodes.
 * @throws InvalidOptionError for a bad option, or when the model already contains quantized ops.
 * @throws UnsupportedOpError when a node would be rewritten but the default-domain opset is below 11.
 * @throws FormatError when the model has no graph or a generated tensor/node name already exists.
 */
export function quantizeDynamic(
  model: onnx.IModelProto,
  options: QuantizeDynamicOptions = {},
): { model: onnx.ModelProto; report: QuantizeReport } {
  if (model === null || typeof model !== 'object') {
    throw new FormatError(`quantizeDynamic: model must be an onnx ModelProto object, got ${model === null ? 'null' : typeof model}`);
  }
  return rewriteModel(model, resolveOptions(options));
}

function resolveOptions(options: QuantizeDynamicOptions): ResolvedQuantOptions {
  const weightType = options.weightType ?? 'int8';
  if (weightType !== 'int8' && weightType !== 'uint8') {
    throw new InvalidOptionError(`quantizeDynamic: weightType must be 'int8' or 'uint8', got '${String(weightType)}'`, 'weightType');
  }
  const opTypes = options.opTypesToQuantize ?? (Object.keys(QUANT_HANDLERS) as QuantizableOpType[]);
  if (!Array.isArray(opTypes) || opTypes.length === 0) {
    throw new InvalidOptionError(`quantizeDynamic: opTypesToQuantize must be a non-empty list, got ${JSON.stringify(opTypes)}`, 'opTypesToQuantize');
  }
  for (const t of opTypes) {
    if (!isQuantizableOpType(t)) {
      const known = Object.keys(QUANT_HANDLERS).join(', ');
      throw new InvalidOptionError(`quantizeDynamic: opTypesToQuantize entries must be one of ${known}, got '${String(t)}'`, 'opTypesToQuantize');
    }
  }
  const excluded = options.nodesToExclude ?? [];
  if (!Array.isArray(excluded) || !excluded.every((n) => typeof n === 'string')) {
    throw new InvalidOptionError(`quantizeDynamic: nodesToExclude must be a list of node names, got ${JSON.stringify(excluded)}`, 'nodesToExclude');
  }
  return {
    perChannel: flag(options, 'perChannel', false),
    weightType,
    symmetric: flag(options, 'symmetric', weightType === 'int8'),
    reduceRange: flag(options, 'reduceRange', false),
    nodesToExclude: new Set(excluded),
    opTypesToQuantize: new Set(opTypes),
  };
}

function flag(options: QuantizeDynamicOptions, key: 'perChannel' | 'symmetric' | 'reduceRange', fallback: boolean): boolean {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') {
    throw new InvalidOptionError(`quantizeDynamic: ${key} must be a boolean, got ${JSON.stringify(v)}`, key);
  }
  return v;
}
