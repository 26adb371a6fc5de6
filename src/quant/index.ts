/**
 * Int8 dynamic quantization of ONNX models (onnxruntime `quantize_dynamic` style) and its pure arithmetic.
 * See docs/quantization.md.
 */
export { quantizeDynamic, type QuantizeDynamicOptions } from './quantize-dynamic.js';
export type { QuantizeReport, QuantizedNodeReport, SkippedNodeReport } from './rewrite-model.js';
export { DADM_SELECTION, ONNXRUNTIME_SELECTION, outputLayerIndices, type SelectionRules } from './selection-rules.js';
export { QUANT_HANDLERS, type QuantizableOpType } from './op-handlers.js';
export { quantizeWeights, type QuantizeWeightsOptions, type QuantizedWeights } from './quantize-weights.js';
export { dynamicQuantizeLinear, type DynamicQuantized } from './dynamic-quantize-linear.js';
export { quantRange, type QRange, type WeightType } from './quant-range.js';
export { compareScores, type ScoreComparison } from './compare-scores.js';
