/**
 * Scaled dot-product attention forward and backward on typed arrays, for the fused transformer step
 * (Vaswani et al. 2017, https://arxiv.org/abs/1706.03762). The same math as
 * {@link MultiheadAttention.attend} composed from autograd primitives, in one pass per (sequence,
 * head) block and without allocating: the attention blocks are `L x L` with L ~ 16, far too small
 * for a packed gemm call each. These loops are the reference and the `js` backend; under the `wasm`
 * backend the same blocks run in f32x4 lanes (tensor/wasm/attention-kernel.ts) when the head width
 * is a multiple of 4.
 */
import { attentionFitsWasm, softmaxInto, wasmActive, wasmAttentionBackward, wasmAttentionForward, type AttentionShape } from '../tensor/index.js';

/**
 * Sizes of one attention call: B sequences of L positions, width d split into `heads` heads;
 * `causal`: position i attends only to positions j <= i (torch's bool `src_mask` with true above
 * the diagonal).
 */
export type AttentionDims = AttentionShape;

/**
 * Per (b, h): `P = softmax(Q_h K_h^T / sqrt(dh) + mask)`, `O_h = P V_h`, written into the columns of
 * head h of `cat`. `qkv [B*L, 3d]` holds q, k, v side by side (in_proj order); `probs` receives
 * `[B, H, L, L]` for the backward pass (0 where masked).
 */
export function attentionForward(qkv: Float32Array, cat: Float32Array, probs: Float32Array, dims: AttentionDims): void {
  if (wasmActive() && attentionFitsWasm(dims) && wasmAttentionForward(qkv, cat, probs, dims)) return;
  const { batch, len: L, dModel: d, heads, causal } = dims;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const w3 = 3 * d;
  const layout = { outer: L, len: L, inner: 1, log: false };
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = (b * heads + h) * L * L;
      const qOff = b * L * w3 + h * dh;
      for (let i = 0; i < L; i++) {
        const qi = qOff + i * w3;
        const row = pBase + i * L;
        for (let j = 0; j < L; j++) {
          if (causal && j > i) {
            probs[row + j] = -Infinity;
            continue;
          }
          const kj = qOff + j * w3 + d;
          let s = 0;
          for (let c = 0; c < dh; c++) s += qkv[qi + c]! * qkv[kj + c]!;
          probs[row + j] = s * scale;
        }
      }
      const block = probs.subarray(pBase, pBase + L * L);
      softmaxInto(block, block, layout);
      for (let i = 0; i < L; i++) {
        const row = pBase + i * L;
        const o = (b * L + i) * d + h * dh;
        const jEnd = causal ? i + 1 : L;
        for (let c = 0; c < dh; c++) {
          let s = 0;
          for (let j = 0; j < jEnd; j++) s += probs[row + j]! * qkv[qOff + j * w3 + 2 * d + c]!;
          cat[o + c] = s;
        }
      }
    }
  }
}

/**
 * Backward of {@link attentionForward}: from `dCat [B*L, d]` writes (overwrites) `dQkv [B*L, 3d]`.
 * `dP [L*L]` is scratch. Per block, with `dS = P * (dP - rowsum(P * dP))` the softmax VJP:
 * `dV = P^T dO`, `dP = dO V^T`, `dQ = dS K / sqrt(dh)`, `dK = dS^T Q / sqrt(dh)`.
 */
export function attentionBackward(
  qkv: Float32Array, probs: Float32Array, dCat: Float32Array, dQkv: Float32Array, dP: Float64Array, dims: AttentionDims,
): void {
  if (wasmActive() && attentionFitsWasm(dims) && wasmAttentionBackward(qkv, probs, dCat, dQkv, dims)) return;
  const { batch, len: L, dModel: d, heads, causal } = dims;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const w3 = 3 * d;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = (b * heads + h) * L * L;
      const qOff = b * L * w3 + h * dh;
      const oOff = b * L * d + h * dh;
      // dP = dO V^T, then dS in place (masked entries have P = 0, so dS = 0 there).
      for (let i = 0; i < L; i++) {
        const oi = oOff + i * d;
        const row = pBase + i * L;
        const jEnd = causal ? i + 1 : L;
        let dot = 0;
        for (let j = 0; j < jEnd; j++) {
          const vj = qOff + j * w3 + 2 * d;
          let s = 0;
          for (let c = 0; c < dh; c++) s += dCat[oi + c]! * qkv[vj + c]!;
          dP[i * L + j] = s;
          dot += s * probs[row + j]!;
        }
        for (let j = 0; j < jEnd; j++) dP[i * L + j] = probs[row + j]! * (dP[i * L + j]! - dot) * scale;
        for (let j = jEnd; j < L; j++) dP[i * L + j] = 0;
      }
      for (let i = 0; i < L; i++) {
        const qi = qOff + i * w3;
        const jEnd = causal ? i + 1 : L;
        for (let c = 0; c < dh; c++) {
          let s = 0;
          for (let j = 0; j < jEnd; j++) s += dP[i * L + j]! * qkv[qOff + j * w3 + d + c]!;
          dQkv[qi + c] = s;
        }
      }
      for (let j = 0; j < L; j++) {
        const kj = qOff + j * w3;
        const iStart = causal ? j : 0;
        const row = pBase + j;
        for (let c = 0; c < dh; c++) {
          let sk = 0, sv = 0;
          for (let i = iStart; i < L; i++) {
            sk += dP[i * L + j]! * qkv[qOff + i * w3 + c]!;
            sv += probs[row + i * L]! * dCat[oOff + i * d + c]!;
          }
          dQkv[kj + d + c] = sk;
          dQkv[kj + 2 * d + c] = sv;
        }
      }
    }
  }
}
