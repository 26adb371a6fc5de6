/**
 * Driver of the int8 WebAssembly kernel (./int8-kernel.ts) for the runtime's fused quantized linear
 * layer: the weights are shifted, transposed and widened to int16 once per plan, each run copies the
 * quantized activations in.
 */
import { INT8_MODULE, K_STEP } from './int8-kernel.js';
import { heapIsShared, isHeapArray } from './heap.js';
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { placeBytes, reserve, scratchSlot } from './operands.js';
import { ownedKernelBuffer } from '../kernel-buffer.js';

// Made on the first product, not when this file loads: the runtime bundle loads it with the neural
// ops, before a model's 64th score, and the emitter only then (../wasm-emitter.ts).
let kernels: ReturnType<typeof wasmEmitter.kernelsOf> | null = null;

/** A layer's weights as the kernel reads them: (B - bzp) as int16 [n, kPad] in the heap. */
export interface Int8Weights {
  /** byte address of the int16 weights */
  at: number;
  k: number;
  kPad: number;
  n: number;
}

/**
 * Prepares `b` [k, n] (int8 or uint8, minus `bzp`, a scalar or one per column) for the kernel,
 * held as long as `owner`; null when the heap cannot be shared (take the JS path). The run's scale,
 * bias and output must then be heap views too ({@link Int8Run}).
 */
export function int8Weights(owner: object, b: ArrayLike<number>, bzp: ArrayLike<number>, k: number, n: number): Int8Weights | null {
  if (typeof WebAssembly !== 'object' || !heapIsShared()) return null;
  const kPad = Math.ceil(k / K_STEP) * K_STEP;
  const block = ownedKernelBuffer(owner, Math.ceil((n * kPad) / 2));
  if (!isHeapArray(block)) return null;
  const w = new Int16Array(block.buffer, block.byteOffset, n * kPad);
  const perColumn = bzp.length !== 1;
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) w[j * kPad + p] = b[p * n + j]! - bzp[perColumn ? j : 0]!;
  return { at: block.byteOffset, k, kPad, n };
}

/** What one run of the layer reads and writes; scale, bias and y are views of the heap ({@link int8Outputs}). */
export interface Int8Run {
  /** `[rows, k]` quantized activations */
  a: Uint8Array | Int8Array;
  rows: number;
  /** activation zero point */
  az: number;
  /** `[n]` per-column scale and bias */
  scale: Float32Array;
  bias: Float32Array;
  /** `[rows, n]` output */
  y: Float32Array;
}

/**
 * y = f32(f32(int32 (a - az) (B - bzp)) * scale) + bias on the kernel; false when the heap is full
 * or an output is not a heap view (take the JS path).
 */
export function wasmQuantizedLinear(w: Int8Weights, r: Int8Run): boolean {
  const { n, k, kPad } = w;
  if (!reserve(Math.ceil((r.a.length + 16) / 64) * 64 + kPad * 2)) return false;
  const a = placeBytes(r.a);
  const shift = scratchSlot(kPad * 2);
  (kernels ??= wasmEmitter.kernelsOf(INT8_MODULE))()['qlinear']!(a, r.a instanceof Int8Array ? 1 : 0, r.az, w.at, kPad, n, r.rows, k, r.scale.byteOffset, r.bias.byteOffset, r.y.byteOffset, shift);
  return true;
}
