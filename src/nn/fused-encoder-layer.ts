/**
 * Forward and backward of one {@link TransformerEncoderLayer} (post- or pre-norm, ReLU or GELU,
 * dropout 0) on preallocated Float32Array buffers, for the fused transformer step. Every product
 * with a weight is one {@link gemm} over all `B*L` rows of the batch (residuals added by the gemm's
 * accumulate); attention and LayerNorm are row kernels (fused-attention.ts, layerNormInto,
 * layerNormGradInto: WebAssembly under that backend, JS loops otherwise). The math is the layer's
 * autograd composition, term by term, so gradients agree to float32 rounding (tested).
 */
import { activationGradInPlace, biasActivation, columnSums, gemm, layerNormInto } from '../tensor/index.js';
import { layerNormGradInto } from '../autograd/index.js';
import { gradOf } from './fused-mlp.js';
import { attentionBackward, attentionForward, type AttentionDims } from './fused-attention.js';
import type { TransformerEncoderLayer } from './transformer-encoder-layer.js';

/** Backward scratch shared by every layer of a stack, sized for `rows` rows. */
export class EncoderScratch {
  readonly gA: Float32Array;
  readonly gB: Float32Array;
  readonly gF: Float32Array;
  readonly dQkv: Float32Array;
  readonly dP: Float64Array;
  /** float64 accumulators for LayerNorm weight and bias gradients. */
  readonly accW: Float64Array;
  readonly accB: Float64Array;

  /** @param take allocates a zeroed buffer (the transformer's kernel buffers) */
  constructor(readonly rows: number, d: number, ff: number, len: number, take: (length: number) => Float32Array) {
    this.gA = take(rows * d);
    this.gB = take(rows * d);
    this.gF = take(rows * ff);
    this.dQkv = take(rows * 3 * d);
    this.dP = new Float64Array(len * len);
    this.accW = new Float64Array(d);
    this.accB = new Float64Array(d);
  }
}

/** The activations one layer keeps from its forward pass for its backward pass. */
export class FusedEncoderLayer {
  readonly d: number;
  readonly ff: number;
  readonly heads: number;
  /** pre-norm: LN1(x), the attention input; post-norm: unused (the input x is). */
  private readonly n1: Float32Array;
  private readonly qkv: Float32Array;
  private readonly probs: Float32Array;
  private readonly cat: Float32Array;
  /** x + attention: LN1's input (post-norm) or the residual stream (pre-norm). */
  private readonly r1: Float32Array;
  /** The feed-forward input: LN1(r1) (post-norm) or LN2(r1) (pre-norm). */
  private readonly h1: Float32Array;
  private readonly z1: Float32Array;
  private readonly a1: Float32Array;
  /** h1 + FF (post-norm: LN2's input) or r1 + FF (pre-norm: the output). */
  private readonly r2: Float32Array;
  /** The layer's output: LN2(r2) (post-norm) or r2 (pre-norm). */
  readonly out: Float32Array;
  private readonly stats: Float64Array[];
  private x: Float32Array | undefined;

  /** @param take allocates a zeroed buffer (the transformer's kernel buffers, so no kernel call copies them) */
  constructor(readonly layer: TransformerEncoderLayer, readonly rows: number, batchHeadsLL: number, take: (length: number) => Float32Array) {
    const d = layer.dModel;
    const ff = layer.linear1.outFeatures;
    this.d = d;
    this.ff = ff;
    this.heads = layer.selfAttn.numHeads;
    const f32 = take;
    this.n1 = f32(layer.normFirst ? rows * d : 0);
    this.qkv = f32(rows * 3 * d);
    this.probs = f32(batchHeadsLL);
    this.cat = f32(rows * d);
    this.r1 = f32(rows * d);
    this.h1 = f32(rows * d);
    this.z1 = f32(rows * ff);
    this.a1 = f32(rows * ff);
    this.r2 = f32(rows * d);
    this.out = layer.normFirst ? this.r2 : f32(rows * d);
    this.stats = [0, 1, 2, 3].map(() => new Float64Array(rows));
  }

  /** Forward of `rows` rows of `x [rows, d]` (kept by reference until backward). Returns `out`. */
  forward(x: Float32Array, dims: AttentionDims): Float32Array {
    const L = this.layer;
    const rows = dims.batch * dims.len;
    const { d, ff } = this;
    const [m1, s1, m2, s2] = this.stats as [Float64Array, Float64Array, Float64Array, Float64Array];
    this.x = x;
    const ln = (input: Float32Array, norm: typeof L.norm1, out: Float32Array, mean: Float64Array, rstd: Float64Array): void =>
      layerNormInto({ x: input, rows, width: d, weight: norm.weight?.data, bias: norm.bias?.data, eps: norm.eps, out, mean, rstd });
    let attnIn = x;
    if (L.normFirst) {
      ln(x, L.norm1, this.n1, m1, s1);
      attnIn = this.n1;
    }
    gemm(attnIn, L.selfAttn.inProjWeight.data, this.qkv, { m: rows, n: 3 * d, k: d, transB: true });
    biasActivation(this.qkv, this.qkv, L.selfAttn.inProjBias.data, { rows, n: 3 * d, activation: null });
    attentionForward(this.qkv, this.cat, this.probs, dims);
    // r1 = x + attention: the residual is copied in and the projection's gemm adds to it.
    this.r1.set(x.subarray(0, rows * d));
    gemm(this.cat, L.selfAttn.outProj.weight.data, this.r1, { m: rows, n: d, k: d, transB: true, accumulate: true });
    biasActivation(this.r1, this.r1, L.selfAttn.outProj.bias!.data, { rows, n: d, activation: null });
    if (L.normFirst) ln(this.r1, L.norm2, this.h1, m2, s2);
    else ln(this.r1, L.norm1, this.h1, m1, s1);
    gemm(this.h1, L.linear1.weight.data, this.z1, { m: rows, n: ff, k: d, transB: true });
    biasActivation(this.z1, this.a1, L.linear1.bias!.data, { rows, n: ff, activation: L.activation });
    this.r2.set((L.normFirst ? this.r1 : this.h1).subarray(0, rows * d));
    gemm(this.a1, L.linear2.weight.data, this.r2, { m: rows, n: d, k: ff, transB: true, accumulate: true });
    biasActivation(this.r2, this.r2, L.linear2.bias!.data, { rows, n: d, activation: null });
    if (!L.normFirst) ln(this.r2, L.norm2, this.out, m2, s2);
    return this.out;
  }

  /**
   * Backward from `dOut [rows, d]`: writes every parameter gradient of the layer (overwriting) and,
   * when `dX` is given, dLoss/dx into it. `dOut` may be overwritten.
   */
  backward(dOut: Float32Array, dX: Float32Array | null, dims: AttentionDims, s: EncoderScratch): void {
    const L = this.layer;
    const rows = dims.batch * dims.len;
    const { d, ff } = this;
    const x = this.x!;
    const [m1, s1, m2, s2] = this.stats as [Float64Array, Float64Array, Float64Array, Float64Array];
    const lnGrad = (g: Float32Array, input: Float32Array, norm: typeof L.norm1, mean: Float64Array, rstd: Float64Array, dx: Float32Array): void => {
      s.accW.fill(0);
      s.accB.fill(0);
      layerNormGradInto(g, input, { rows, dim: d, weight: norm.weight?.data, mean, rstd, dx, dWeight: s.accW, dBias: s.accB });
      copyInto(s.accW, gradOf(norm.weight!));
      copyInto(s.accB, gradOf(norm.bias!));
    };
    // dR2: the gradient at r2 (LN2's input for post-norm; the output itself for pre-norm).
    let dR2 = dOut;
    if (!L.normFirst) {
      lnGrad(dOut, this.r2, L.norm2, m2, s2, s.gA);
      dR2 = s.gA;
    }
    this.linearGrad(L.linear2, dR2, this.a1, rows);
    gemm(dR2, L.linear2.weight.data, s.gF, { m: rows, n: ff, k: d });
    activationGradInPlace(s.gF, this.a1, this.z1, rows * ff, L.activation);
    this.linearGrad(L.linear1, s.gF, this.h1, rows);
    // dR1 = d(FF input)/dr1 + the residual from r2 (before LN1 for post-norm, after LN2 for pre-norm).
    const dR1 = s.gB;
    const dH1 = s.dQkv.subarray(0, rows * d);
    if (L.normFirst) {
      gemm(s.gF, L.linear1.weight.data, dH1, { m: rows, n: d, k: ff });
      lnGrad(dH1, this.r1, L.norm2, m2, s2, dR1);
      addInPlace(dR1, dR2, rows * d);
    } else {
      // dH1 = dR2 (the residual) + the FF input's gradient, which the gemm adds.
      dH1.set(dR2.subarray(0, rows * d));
      gemm(s.gF, L.linear1.weight.data, dH1, { m: rows, n: d, k: ff, accumulate: true });
      lnGrad(dH1, this.r1, L.norm1, m1, s1, dR1);
    }
    // Attention: out_proj, then the attention blocks, then in_proj.
    this.linearGrad(L.selfAttn.outProj, dR1, this.cat, rows);
    const dCat = dR2 === dOut ? s.gA : dOut;
    gemm(dR1, L.selfAttn.outProj.weight.data, dCat, { m: rows, n: d, k: d });
    attentionBackward(this.qkv, this.probs, dCat, s.dQkv, s.dP, dims);
    const attnIn = L.normFirst ? this.n1 : x;
    gemm(s.dQkv, attnIn, gradOf(L.selfAttn.inProjWeight), { m: 3 * d, n: d, k: rows, transA: true });
    columnSums(s.dQkv, rows, 3 * d, gradOf(L.selfAttn.inProjBias));
    if (dX === null) return;
    if (L.normFirst) {
      gemm(s.dQkv, L.selfAttn.inProjWeight.data, dCat, { m: rows, n: d, k: 3 * d });
      lnGrad(dCat, x, L.norm1, m1, s1, dX);
      addInPlace(dX, dR1, rows * d);
    } else {
      dX.set(dR1.subarray(0, rows * d));
      gemm(s.dQkv, L.selfAttn.inProjWeight.data, dX, { m: rows, n: d, k: 3 * d, accumulate: true });
    }
  }

  /** weight.grad = dZ^T A and bias.grad = column sums of dZ for a Linear with output gradient dZ. */
  private linearGrad(lin: TransformerEncoderLayer['linear1'], dZ: Float32Array, a: Float32Array, rows: number): void {
    gemm(dZ, a, gradOf(lin.weight), { m: lin.outFeatures, n: lin.inFeatures, k: rows, transA: true });
    columnSums(dZ, rows, lin.outFeatures, gradOf(lin.bias!));
  }
}

function addInPlace(a: Float32Array, b: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) a[i] += b[i]!;
}

function copyInto(src: Float64Array, dst: Float32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = src[i]!;
}
