/**
 * The tensor part's narrow door for the runtime's neural ops (Gemm, MatMul, LayerNormalization,
 * Softmax, the int8 linear layer): products, row normalizations and their WebAssembly kernels. Apart
 * from ./kernels.ts because the runtime bundle loads what is behind it only when a model's plan first
 * needs it, so a forest never parses it (docs/edge.md, "What start-up pays for").
 */
export { gemm, type GemmOptions } from './gemm.js';
export { softmaxInto } from './softmax.js';
export { layerNormInto } from './layer-norm.js';
export { int8Weights, wasmQuantizedLinear, type Int8Run } from './wasm/int8.js';
