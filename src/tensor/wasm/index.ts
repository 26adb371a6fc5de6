/**
 * dadm's WebAssembly kernels: the emitter (code.ts, module.ts, opcodes.ts), the shared heap
 * (heap.ts), the kernel modules (kernels.ts) and their drivers, and the audit listing (listing.ts).
 * See docs/kernels.md.
 */
export { heapIsShared } from './heap.js';
export { wasmUnavailableReason } from './kernels.js';
