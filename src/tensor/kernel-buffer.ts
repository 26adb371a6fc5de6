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

const ownedBy = new FinalizationRegistry<Float32Array>((buffer) => heapFree(buffer));

/**
 * A {@link kernelBuffer} given back automatically once `owner` is collected: for buffers whose
 * owner (an inference plan's value, a model's scratch) has no explicit end. Views of it must not
 * outlive the owner.
 */
export function ownedKernelBuffer(owner: object, length: number): Float32Array {
  const buffer = kernelBuffer(length);
  ownedBy.register(owner, buffer);
  return buffer;
}

/** Gives a collected owner's {@link KernelBufferSet} back to the heap. */
const setsOf = new FinalizationRegistry<{ buffers: Float32Array[] }>(({ buffers }) => buffers.forEach(heapFree));

/**
 * The kernel buffers one object works in (activations, gradients): replaced together when the object
 * needs larger ones, and given back when it is collected.
 */
export class KernelBufferSet {
  private readonly held: { buffers: Float32Array[] } = { buffers: [] };

  /** @param owner the object whose collection gives the buffers back (it must hold no other view of them) */
  constructor(owner: object) {
    setsOf.register(owner, this.held);
  }

  /** Gives back the buffers of the previous call and returns zeroed ones of `lengths`. */
  replace(lengths: readonly number[]): Float32Array[] {
    this.held.buffers.forEach(heapFree);
    this.held.buffers = lengths.map(kernelBuffer);
    return this.held.buffers;
  }
}
