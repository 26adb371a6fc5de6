/**
 * The tensor part's narrow door: the typed-array kernels and shape helpers the ONNX runtime runs
 * (with the kernel backend switch its ops use), without the Tensor ops, the MLP forward pass and the
 * training kernels that index.ts also loads. The neural ops' products and normalizations are behind
 * ./neural-kernels.ts, the forest's packed walk behind ./forest-kernels.ts, the row thread pool
 * behind ./row-threads.ts and WebAssembly's emitter behind ./wasm-emitter.ts.
 * An edge process that only scores ONNX files imports this (docs/architecture.md, "Narrow doors").
 */
export { sizeOf, stridesOf, sameShape } from './shape.js';
export { broadcastShapes, stridedIndex, broadcastIndex } from './broadcast.js';
export { erfScalar } from './erf.js';
export { roundHalfEven } from './round-half-even.js';
export { wasmActive, jsChosen, withJsKernels } from './backend.js';
export { ownedKernelBuffer } from './kernel-buffer.js';
export type { Code, FunctionBuilder, Local } from './wasm/code.js';
// The emitter itself is behind ./wasm-emitter.ts; its types are here for the emitters' signatures.
export type { ModuleBuilder } from './wasm/module.js';
export { at } from './wasm/emit-helpers.js';
