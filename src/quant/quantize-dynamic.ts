import { checkModel, type onnx } from '../onnx/index.js';
import { FormatError, InvalidOptionError } from '../errors.js';
import { QUANT_HANDLERS, isQuantizableOpType, type QuantizableOpType } from './op-handlers.js';
import type { WeightType } from './quant-range.js';
import type { ResolvedQuantOptions } from './rewrite-context.js';
import { rewriteModel, type QuantizeReport } from './rewrite-model.js';
import { ONNXRUNTIME_SELECTION, type SelectionRules } from './selection-rules.js';

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
  /**
   * Nodes whose weight has fewer elements stay in float. Default 0 (onnxruntime); `dadm quantize` uses
   * 1024 (TFLite's `weights_min_num_elements`), see {@link DADM_SELECTION}.
   */
  minWeights?: number;
  /** Output layers (no MatMul/Gemm/Conv downstream) stay in float. Default false (onnxruntime). */
  keepOutputLayers?: boolean;
  /** A node whose rewrite would not shrink the encoded model stays in float. Default false (onnxruntime). */
  requireSmaller?: boolean;
}

/**
 * Dynamic int8 quantization of an ONNX model, like onnxruntime's `quantize_dynamic` (IntegerOps mode):
 * every MatMul and Gemm whose weight (input B) is a constant rank-2 float32 initializer becomes
 * `DynamicQuantizeLinear(A) -> MatMulInteger(A_q, W_q, A_zp, W_zp) -> Cast(float)
 *  -> Mul(·, Mul(A_scale, W_scale)) [-> Add(C) for Gemm]`, with the weight quantized once at rewrite time.
 * By default every such node is rewritten, as onnxruntime does; `minWeights`, `keepOutputLayers` and
 * `requireSmaller` keep some in float (`dadm quantize` turns all three on, {@link DADM_SELECTION}).
 * The input model is not modified; the result is a deep copy. See docs/quantization.md.
 *
 * @param model a decoded `onnx.ModelProto` (or a plain object of the same shape).
 * @returns the quantized model and a report of rewritten and skipped nodes.
 * @throws InvalidOptionError for a bad option, or when the model already contains quantized ops.
 * @throws UnsupportedOpError when a node would be rewritten but the default-domain opset is below 11.
 * @throws FormatError when the model has no graph or a generated tensor/node name already exists, or when
 *   the result is a model the runtime would refuse (checkModel's `untrusted` policy: versions, tensor data, domains).
 */
export function quantizeDynamic(
  model: onnx.ModelProto,
  options: QuantizeDynamicOptions = {},
): { model: onnx.ModelProto; report: QuantizeReport } {
  if (model === null || typeof model !== 'object') {
    throw new FormatError(`quantizeDynamic: model must be an onnx ModelProto object, got ${model === null ? 'null' : typeof model}`);
  }
  const resolved = resolveOptions(options);
  // A node that does not pay for its new nodes is skipped and the graph rewritten again; that can move a
  // shared activation quantizer's cost onto another node, hence the loop (at most one pass per node).
  const sizeSkips = new Map<number, string>();
  for (;;) {
    const result = rewriteModel(model, resolved, sizeSkips);
    let grew = false;
    result.report.quantized.forEach((q, i) => {
      if (!resolved.selection.requireSmaller || q.bytesSaved > 0) return;
      grew = true;
      sizeSkips.set(result.quantizedIndices[i]!, `quantizing would not shrink the model: the integer nodes and weight take ${-q.bytesSaved} bytes more than the float ones (requireSmaller)`);
    });
    if (grew) continue;
    // The quantizer writes nothing its own runtime would refuse: the one model checker, reader's policy.
    checkModel(result.model, { trust: 'untrusted', where: 'quantizeDynamic' });
    return { model: result.model, report: result.report };
  }
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
    selection: resolveSelection(options),
  };
}

function resolveSelection(options: QuantizeDynamicOptions): SelectionRules {
  const minWeights = options.minWeights ?? ONNXRUNTIME_SELECTION.minWeights;
  if (typeof minWeights !== 'number' || !Number.isSafeInteger(minWeights) || minWeights < 0) {
    throw new InvalidOptionError(`quantizeDynamic: minWeights must be a non-negative integer, got ${JSON.stringify(minWeights)}`, 'minWeights');
  }
  return {
    minWeights,
    keepOutputLayers: flag(options, 'keepOutputLayers', ONNXRUNTIME_SELECTION.keepOutputLayers),
    requireSmaller: flag(options, 'requireSmaller', ONNXRUNTIME_SELECTION.requireSmaller),
  };
}

type FlagKey = 'perChannel' | 'symmetric' | 'reduceRange' | 'keepOutputLayers' | 'requireSmaller';

function flag(options: QuantizeDynamicOptions, key: FlagKey, fallback: boolean): boolean {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') {
    throw new InvalidOptionError(`quantizeDynamic: ${key} must be a boolean, got ${JSON.stringify(v)}`, key);
  }
  return v;
}
