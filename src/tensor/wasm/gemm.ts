/**
 * The WebAssembly gemm behind ../gemm.ts's `gemm` (same options, same contract). Operands that live
 * in the heap (../wasm/heap.ts) are used in place; any other is copied into this thread's scratch
 * block first, and C copied back after, so a plain Float32Array works too at the cost of one
 * memcpy per operand.
 */
import type { GemmOptions } from '../gemm.js';
import { TILE_BYTES, packBytes } from './gemm-kernel.js';
import { heapBuffer, isHeapArray, scratch } from './heap.js';
import { kernelExports } from './kernels.js';

/** C[m,n] (= or +=) alpha op(A) op(B) on the WebAssembly kernels; false when the heap is full (the caller takes the JS path). */
export function wasmGemm(a: Float32Array, b: Float32Array, c: Float32Array, o: GemmOptions): boolean {
  const { m, n, k } = o;
  const transA = o.transA === true;
  const transB = o.transB === true;
  const accumulate = o.accumulate === true;
  const alpha = o.alpha ?? 1;
  const aOff = o.aOffset ?? 0;
  const bOff = o.bOffset ?? 0;
  const cOff = o.cOffset ?? 0;
  if (m === 0 || n === 0) return true;
  if (k === 0) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    return true;
  }
  const aIn = isHeapArray(a), bIn = isHeapArray(b), cIn = isHeapArray(c);
  const gemv = m === 1;
  const sizes = [aIn ? 0 : m * k * 4, bIn ? 0 : k * n * 4, cIn ? 0 : m * n * 4, gemv ? 0 : packBytes(n), gemv ? 0 : TILE_BYTES];
  const parts = sizes.map((s) => Math.ceil(s / 64) * 64);
  const base = scratch(parts.reduce((x, y) => x + y, 0));
  if (base < 0) return false;
  const at = [base];
  for (let i = 1; i < parts.length; i++) at.push(at[i - 1]! + parts[i - 1]!);
  const heap = new Float32Array(heapBuffer());
  const aPtr = aIn ? a.byteOffset + aOff * 4 : copyIn(heap, a, aOff, m * k, at[0]!);
  const bPtr = bIn ? b.byteOffset + bOff * 4 : copyIn(heap, b, bOff, k * n, at[1]!);
  const cPtr = cIn ? c.byteOffset + cOff * 4 : at[2]!;
  if (!cIn && accumulate) copyIn(heap, c, cOff, m * n, cPtr);
  const kernels = kernelExports('gemm');
  if (gemv) {
    const run = transB ? kernels['gemv_dot']! : kernels['gemv_axpy']!;
    run(aPtr, bPtr, cPtr, n, k, accumulate ? 1 : 0, alpha);
  } else {
    kernels['gemm']!(aPtr, bPtr, cPtr, m, n, k, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0, alpha, at[3]!, at[4]!);
  }
  if (!cIn) c.set(heap.subarray(cPtr / 4, cPtr / 4 + m * n), cOff);
  return true;
}

function copyIn(heap: Float32Array, src: Float32Array, offset: number, length: number, at: number): number {
  heap.set(src.subarray(offset, offset + length), at / 4);
  return at;
}
