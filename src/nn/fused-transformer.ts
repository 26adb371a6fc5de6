/**
 * Fused forward/backward of a small sequence transformer — `Linear` embedding + learned positions,
 * a stack of {@link TransformerEncoderLayer}s, a `Linear` head — on preallocated Float32Array
 * buffers with {@link gemm}, for the transformer models' training steps and batch scoring.
 *
 * Why: as for the autoencoder's {@link FusedMlp}, the autograd graph allocates a tensor per op and
 * walks a topological order per step; for windows of 16 steps and a width of 32 that bookkeeping,
 * the per-head slices and the transposes cost more than the arithmetic. Here every weight product is
 * one gemm over all `B*L` rows, attention is one kernel call over every (sequence, head) block and
 * LayerNorm one row kernel (WebAssembly under that backend, with every buffer here in the kernel
 * heap so no call copies its operands; JS loops otherwise). Same math as the
 * modules' autograd composition, so outputs and gradients agree to float32 rounding (tested against
 * autograd and against PyTorch's references in nn_modules.json). Dropout must be 0 (eval semantics).
 */
import { biasActivation, columnSums, gemm, ownedKernelBuffer, releaseKernelBuffer, squaredErrorGrad } from '../tensor/index.js';
import type { Var } from '../autograd/index.js';
import { gradOf } from './fused-mlp.js';
import { EncoderScratch, FusedEncoderLayer } from './fused-encoder-layer.js';
import type { AttentionDims } from './fused-attention.js';
import type { Linear } from './linear.js';
import type { TransformerEncoderLayer } from './transformer-encoder-layer.js';

/** The parameters the fused path reads and writes gradients into (autograd leaves; buffers shared). */
export interface FusedTransformerParts {
  /** `Linear(F, d)` */
  embed: Linear;
  /** `[L, d]`, added to position l of every sequence */
  posEmbedding: Var;
  /** `[d]`: replaces the embedding of a masked position (masked-step objective); absent = no masking */
  maskEmbedding?: Var;
  layers: readonly TransformerEncoderLayer[];
  /** `Linear(d, F)` */
  head: Linear;
}

/** One batch: `x [batch, L, F]` and, optionally, the masked position of each sequence. */
export interface FusedBatch {
  x: Float32Array;
  batch: number;
  /** `[batch]`: position whose embedding is the mask embedding, or -1 for none. */
  maskPositions?: Int32Array | null;
}

/** What the loss compares: `mean over counted (b, l, j) of (y - target)^2`. */
export interface FusedLoss {
  /** `[batch, L, F]` */
  target: Float32Array;
  /** `[batch * L]`: 1 = the position's error counts; null = every position. */
  positions: Uint8Array | null;
  /** `[F]`: 1 = the column counts; null = every column. */
  columns: Uint8Array | null;
  /**
   * When this call is one slice of a larger batch (data-parallel steps): the counted positions of
   * the whole batch, which the loss and gradients are normalized by, so the slices' losses and
   * gradients add up to the batch's. Default: this call's counted positions.
   */
  batchPositions?: number;
}

export class FusedTransformer {
  readonly len: number;
  readonly causal: boolean;
  readonly inputDim: number;
  readonly dModel: number;
  private capacity = 0;
  private fused: FusedEncoderLayer[] = [];
  private scratch: EncoderScratch | undefined;
  /** Every buffer below lives in the kernel heap under the wasm backend, so no kernel call copies it. */
  private held: Float32Array[] = [];
  /** The batch's input, copied in once: the embedding's forward and weight gradient both read it. */
  private xIn: Float32Array = new Float32Array(0);
  private h0: Float32Array = new Float32Array(0);
  /** `[L, d]`: the embedding bias plus the positions, each sequence's starting rows of h0. */
  private posBias: Float32Array = new Float32Array(0);
  private y: Float32Array = new Float32Array(0);
  private dy: Float32Array = new Float32Array(0);
  private dH: Float32Array[] = [new Float32Array(0), new Float32Array(0)];

  /** @param len positions per sequence L (rows of `posEmbedding`); @param causal position i sees only j <= i */
  constructor(readonly parts: FusedTransformerParts, options: { len: number; causal: boolean }) {
    this.len = options.len;
    this.causal = options.causal;
    this.inputDim = parts.embed.inFeatures;
    this.dModel = parts.embed.outFeatures;
  }

  /** Grows the buffers to hold `batch` sequences (never shrinks). */
  ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    const rows = batch * this.len;
    const { dModel: d, inputDim: F, len: L } = this;
    const heads = this.parts.layers[0]?.selfAttn.numHeads ?? 1;
    const ff = Math.max(1, ...this.parts.layers.map((l) => l.linear1.outFeatures));
    this.held.forEach(releaseKernelBuffer);
    this.held = [];
    const take = (length: number): Float32Array => {
      const buffer = ownedKernelBuffer(this, length);
      this.held.push(buffer);
      return buffer;
    };
    this.fused = this.parts.layers.map((l) => new FusedEncoderLayer(l, rows, batch * heads * L * L, take));
    this.scratch = new EncoderScratch(rows, d, ff, L, take);
    this.xIn = take(rows * F);
    this.h0 = take(rows * d);
    this.posBias = new Float32Array(L * d);
    this.y = take(rows * F);
    this.dy = take(rows * F);
    this.dH = [take(rows * d), take(rows * d)];
    this.capacity = batch;
  }

  /**
   * Forward of `b.batch` sequences. Returns the internal output buffer `[batch * L, F]`; its first
   * `batch * L * F` values are valid until the next call.
   */
  forward(b: FusedBatch): Float32Array {
    this.ensureCapacity(b.batch);
    const { embed, posEmbedding, maskEmbedding, head } = this.parts;
    const rows = b.batch * this.len;
    const { dModel: d, inputDim: F, len: L } = this;
    const x = this.xIn;
    x.set(b.x.subarray(0, rows * F));
    // h0 = x W^T + (bias + positions): each sequence's rows start as bias + positions, the gemm adds.
    const pos = posEmbedding.data, bias = embed.bias!.data, start = this.posBias;
    for (let p = 0; p < L * d; p++) start[p] = pos[p]! + bias[p % d]!;
    for (let s = 0; s < b.batch; s++) this.h0.set(start, s * L * d);
    gemm(x, embed.weight.data, this.h0, { m: rows, n: d, k: F, transB: true, accumulate: true });
    if (b.maskPositions && maskEmbedding !== undefined) {
      const m = maskEmbedding.data;
      for (let s = 0; s < b.batch; s++) {
        const l = b.maskPositions[s]!;
        if (l < 0) continue;
        const o = (s * L + l) * d;
        for (let j = 0; j < d; j++) this.h0[o + j] = m[j]! + pos[l * d + j]!;
      }
    }
    const dims = this.dims(b.batch);
    let h = this.h0;
    for (const layer of this.fused) h = layer.forward(h, dims);
    gemm(h, head.weight.data, this.y, { m: rows, n: F, k: d, transB: true });
    biasActivation(this.y, this.y, head.bias!.data, { rows, n: F, activation: null });
    return this.y;
  }

  /**
   * Forward, loss and backward: writes (overwrites, no zeroGrad needed) the gradient of every
   * parameter in `parts`, creating it if absent. Returns the loss.
   */
  lossAndGrad(b: FusedBatch, loss: FusedLoss): number {
    const y = this.forward(b);
    const rows = b.batch * this.len;
    const { inputDim: F, dModel: d, len: L } = this;
    const { target, positions, columns } = loss;
    let counted = 0;
    for (let r = 0; r < rows; r++) if (positions === null || positions[r] === 1) counted++;
    let cols = 0;
    for (let j = 0; j < F; j++) if (columns === null || columns[j] === 1) cols++;
    const denom = (loss.batchPositions ?? counted) * cols;
    const scale = 2 / denom;
    let sq = 0;
    const dy = this.dy;
    // The autoencoder's target is its input, already in the kernel heap as xIn.
    if (positions === null) sq = squaredErrorGrad(y, target === b.x ? this.xIn : target, dy, { rows, d: F, mask: columns, scale });
    for (let r = 0; positions !== null && r < rows; r++) {
      const o = r * F;
      const on = positions === null || positions[r] === 1;
      for (let j = 0; j < F; j++) {
        const e = on && (columns === null || columns[j] === 1) ? y[o + j]! - target[o + j]! : 0;
        sq += e * e;
        dy[o + j] = scale * e;
      }
    }
    const { embed, posEmbedding, maskEmbedding, head } = this.parts;
    const last = this.fused.length === 0 ? this.h0 : this.fused[this.fused.length - 1]!.out;
    gemm(dy, last, gradOf(head.weight), { m: F, n: d, k: rows, transA: true });
    columnSums(dy, rows, F, gradOf(head.bias!));
    let [dOut, dX] = this.dH as [Float32Array, Float32Array];
    gemm(dy, head.weight.data, dOut, { m: rows, n: d, k: F });
    const dims = this.dims(b.batch);
    for (let i = this.fused.length - 1; i >= 0; i--) {
      this.fused[i]!.backward(dOut, dX, dims, this.scratch!);
      [dOut, dX] = [dX, dOut];
    }
    // dOut now holds dLoss/dh0: positions, mask embedding, then the embedding Linear.
    // Position l's gradient sums row l of every sequence: column sums of dOut seen as [batch, L d].
    columnSums(dOut, b.batch, L * d, gradOf(posEmbedding));
    if (maskEmbedding !== undefined) {
      const dMask = gradOf(maskEmbedding);
      dMask.fill(0);
      for (let s = 0; b.maskPositions && s < b.batch; s++) {
        const l = b.maskPositions[s]!;
        if (l < 0) continue;
        const o = (s * L + l) * d;
        for (let j = 0; j < d; j++) {
          dMask[j] += dOut[o + j]!;
          dOut[o + j] = 0; // a masked position's embedding did not read x
        }
      }
    }
    gemm(dOut, this.xIn, gradOf(embed.weight), { m: d, n: F, k: rows, transA: true });
    columnSums(dOut, rows, d, gradOf(embed.bias!));
    return sq / denom;
  }

  private dims(batch: number): AttentionDims {
    return { batch, len: this.len, dModel: this.dModel, heads: this.fused[0]?.heads ?? 1, causal: this.causal };
  }
}
