/**
 * Buffers for data the kernels work on every step (activations, gradients, optimizer state): in the
 * WebAssembly heap while the wasm backend runs, so no call copies them, else plain Float32Arrays.
 */
import { wasmActive } from './backend.js';
import { heapFloat32, heapFree } from './wasm/heap.js';

/** `length` zeros the kernels use in place. */
export function kernelBuffer(length: number): Float32Array {
  return wasmActive() ? heapFloat32(length) : new Float32Array(length);
}

/** Gives a {@link kernelBuffer} back for reuse; its owner must hold no view of it afterwards. */
export function releaseKernelBuffer(a: Float32Array): void {
  heapFree(a);
}
