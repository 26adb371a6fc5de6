/**
 * Drivers of the attention kernels (./attention-kernel.ts) for the fused transformer step
 * (../../nn/fused-attention.ts holds the JS twin and the math). Operands in the heap are used in
 * place; others are copied in and back. False when the heap is full (the caller takes the JS path).
 */
import { ATTENTION_HEAD_WIDTHS, ATTENTION_MODULE } from './attention-kernel.js';
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { copyBack, place, reserve, scratchSlot, slot } from './operands.js';

const kernels = wasmEmitter.kernelsOf(ATTENTION_MODULE);

/** Sizes of one attention call: `batch` sequences of `len` positions, width `dModel` in `heads` heads. */
export interface AttentionShape {
  batch: number;
  len: number;
  dModel: number;
  heads: number;
  causal: boolean;
}

/** The head width must be one the kernels are emitted for (multiples of 4 up to 32). */
export function attentionFitsWasm(s: AttentionShape): boolean {
  return ATTENTION_HEAD_WIDTHS.includes(s.dModel / s.heads);
}

/** `qkv [B*L, 3d]` -> `cat [B*L, d]`, `probs [B, H, L, L]`. */
export function wasmAttentionForward(qkv: Float32Array, cat: Float32Array, probs: Float32Array, s: AttentionShape): boolean {
  const rows = s.batch * s.len, d = s.dModel, pLen = s.batch * s.heads * s.len * s.len;
  if (!reserve(slot(qkv, rows * 3 * d) + slot(cat, rows * d) + slot(probs, pLen))) return false;
  const q = place(qkv, 0, rows * 3 * d, true);
  const o = place(cat, 0, rows * d, false);
  const p = place(probs, 0, pLen, false);
  kernels()[`attention_forward_${d / s.heads}`]!(q, o, p, s.batch, s.len, d, s.heads, s.causal ? 1 : 0, 1 / Math.sqrt(d / s.heads));
  copyBack(cat, 0, rows * d, o);
  copyBack(probs, 0, pLen, p);
  return true;
}

/** From `dCat [B*L, d]` writes `dQkv [B*L, 3d]`, given the forward's `qkv` and `probs`. */
export function wasmAttentionBackward(qkv: Float32Array, probs: Float32Array, dCat: Float32Array, dQkv: Float32Array, s: AttentionShape): boolean {
  const rows = s.batch * s.len, d = s.dModel, pLen = s.batch * s.heads * s.len * s.len;
  const dsBytes = s.len * s.len * 4;
  if (!reserve(slot(qkv, rows * 3 * d) + slot(probs, pLen) + slot(dCat, rows * d) + slot(dQkv, rows * 3 * d) + Math.ceil(dsBytes / 64) * 64)) return false;
  const q = place(qkv, 0, rows * 3 * d, true);
  const p = place(probs, 0, pLen, true);
  const o = place(dCat, 0, rows * d, true);
  const dq = place(dQkv, 0, rows * 3 * d, false);
  const ds = scratchSlot(dsBytes);
  kernels()[`attention_backward_${d / s.heads}`]!(q, p, o, dq, ds, s.batch, s.len, d, s.heads, s.causal ? 1 : 0, 1 / Math.sqrt(d / s.heads));
  copyBack(dQkv, 0, rows * 3 * d, dq);
  return true;
}
