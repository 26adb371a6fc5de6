/**
 * The WebAssembly drivers of the neural kernels (../gemm.ts, ../softmax.ts, ../layer-norm.ts), as the
 * one namespace those import: the runtime bundle keeps what is behind it in a file of its own and
 * loads it on the first call that runs WebAssembly, so a model's first scores, which run the
 * JavaScript kernels, never parse the kernels' emitters (docs/edge.md, "What start-up pays for").
 */
export { wasmGemm } from './gemm.js';
export { wasmLayerNorm, wasmSoftmax, type LayerNormRun } from './normalize.js';
