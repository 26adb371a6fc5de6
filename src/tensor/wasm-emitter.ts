/**
 * The tensor part's narrow door for WebAssembly's emitter and the kernels' compile step: building a
 * module (`ModuleBuilder`), a kernel module's exports on this thread (`kernelsOf`, `kernelExports`)
 * and the probe of whether the engine runs them. The kernels' drivers, the backend switch and the
 * ONNX runtime's loader import these through this door, as a namespace: the runtime bundle keeps what
 * is behind it in a file of its own, read when a module is first emitted (a forest's load, a neural
 * model's 64th score), so a neural model's first scores never parse the emitter (docs/edge.md, "What
 * start-up pays for").
 */
export { COPIES_TABLE, MEMORY_IMPORT, ModuleBuilder } from './wasm/module.js';
export { kernelExports, kernelsOf, wasmUnavailableReason } from './wasm/kernels.js';
