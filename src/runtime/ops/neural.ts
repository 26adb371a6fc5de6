/**
 * The planners of the ops only neural models run: Gemm, MatMul, LayerNormalization, Softmax and
 * LogSoftmax, and the dynamically quantized linear layer. The registry and the quantized-linear fusion
 * reach them through this module's namespace, never by name at import: the runtime bundle keeps this
 * graph in a second file that it loads when a plan first reads one of them, so a forest's start-up
 * never parses it (tools/bundle-runtime.ts `deferred`, docs/edge.md "What start-up pays for").
 */
export { planGemm } from './gemm.js';
export { planLayerNorm } from './layer-norm.js';
export { planMatMul } from './matmul.js';
export { planDynamicQuantizeLinear, planMatMulInteger } from './quantize.js';
export { planQuantizedLinear } from './quantized-linear.js';
export { planSoftmax } from './softmax.js';
