/**
 * The WebAssembly gemm behind ../gemm.ts's `gemm` (same options, same contract). Operands in the
 * heap are used in place, others copied in (and C back) by ./operands.ts.
 */
import type { GemmOptions } from '../gemm.js';
import { GEMM_MODULE, GEMV_MODULE, TILE_BYTES, packBytes } from './gemm-kernel.js';
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { copyBack, place, reserve, scratchSlot, slot } from './operands.js';

// A single-row score must not allocate: the handles keep the exports (see kernelsOf).
const gemvKernels = wasmEmitter.kernelsOf(GEMV_MODULE);
const gemmKernels = wasmEmitter.kernelsOf(GEMM_MODULE);

/** C[m,n] (= or +=) alpha op(A) op(B) on the WebAssembly kernels; false when the heap is full (the caller takes the JS path). */
export function wasmGemm(a: Float32Array, b: Float32Array, c: Float32Array, o: GemmOptions): boolean {
  const { m, n, k } = o;
  const accumulate = o.accumulate === true;
  const cOff = o.cOffset ?? 0;
  if (m === 0 || n === 0) return true;
  if (k === 0) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    return true;
  }
  const gemv = m === 1;
  const work = gemv ? 0 : packBytes(n) + TILE_BYTES;
  if (!reserve(slot(a, m * k) + slot(b, k * n) + slot(c, m * n) + work)) return false;
  const aPtr = place(a, o.aOffset ?? 0, m * k, true);
  const bPtr = place(b, o.bOffset ?? 0, k * n, true);
  const cPtr = place(c, cOff, m * n, accumulate);
  const add = accumulate ? 1 : 0;
  const alpha = o.alpha ?? 1;
  if (gemv) {
    const kernels = gemvKernels();
    (o.transB === true ? kernels['gemv_dot']! : kernels['gemv_axpy']!)(aPtr, bPtr, cPtr, n, k, add, alpha);
  } else {
    const pack = scratchSlot(packBytes(n));
    const tile = scratchSlot(TILE_BYTES);
    gemmKernels()['gemm']!(aPtr, bPtr, cPtr, m, n, k, o.transA === true ? 1 : 0, o.transB === true ? 1 : 0, add, alpha, pack, tile);
  }
  copyBack(c, cOff, m * n, cPtr);
  return true;
}
