/**
 * Fused forward/backward over a stack of Linear layers with one activation between them and a
 * linear output, written directly on preallocated Float32Array buffers with {@link gemm}.
 *
 * Why: the generic autograd graph allocates a tensor per op, walks a topological order and keeps a
 * gradient map per step; for the small autoencoder (64->32->8->32->64, batch 256) that bookkeeping
 * costs more than the arithmetic. Here one step is 4 forward gemms (`x W^T`, transB), 4 weight-gradient
 * gemms (`dZ^T A`, transA), 3 input-gradient gemms (`dZ W`), bias gradients as column sums and the
 * activation derivative as an elementwise mask — the same math as autograd's `linear` and activation
 * rules, in the same order, so gradients agree to float32 rounding (tested against autograd).
 */
import { MlpForward, Tensor, erfScalar, gemm, type Activation } from '../tensor/index.js';
import type { Var } from '../autograd/index.js';

/** The activation union, re-exported under nn's name (defined once in tensor/activation.ts). */
export type { Activation };

/** One dense layer: `weight [out, in]`, `bias [out]` (autograd leaves; their buffers are shared). */
export interface DenseLayer {
  readonly weight: Var;
  readonly bias: Var;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export class FusedMlp {
  /** Layer widths `[in, h1, ..., out]`. */
  readonly sizes: readonly number[];
  /** The forward kernel over the same parameter buffers; its buffers hold what backward reads. */
  readonly net: MlpForward;
  private capacity = 0;
  /** Per layer: dLoss/dz `[capacity, out_l]` (also holds dLoss/da before the activation mask). */
  private dz: Float32Array[] = [];
  /** Per layer: float64 column-sum accumulator for the bias gradient `[out_l]`. */
  private readonly colSum: Float64Array[];

  constructor(readonly layers: readonly DenseLayer[], readonly activation: Activation) {
    // Var.data is the parameter's own buffer, updated in place by optimizers and loadStateDict.
    this.net = new MlpForward(layers.map((l) => ({ weight: l.weight.data, bias: l.bias.data })), activation);
    this.sizes = this.net.sizes;
    this.colSum = layers.map((l) => new Float64Array(l.weight.shape[0]!));
  }

  /** Grows the activation and gradient buffers to hold `rows` rows (never shrinks). */
  ensureCapacity(rows: number): void {
    this.net.ensureCapacity(rows);
    if (rows <= this.capacity) return;
    this.dz = this.sizes.slice(1).map((n) => new Float32Array(rows * n));
    this.capacity = rows;
  }

  /**
   * Forward pass of `rows` rows of `x [rows, in]` (row-major, from index 0). Returns the internal
   * output buffer; its first `rows * out` values are valid until the next call.
   */
  forward(x: Float32Array, rows: number): Float32Array {
    this.ensureCapacity(rows);
    return this.net.run(x, rows);
  }

  /**
   * Forward, reconstruction loss and backward for an autoencoder (target = input):
   * `loss = sum_{i, j in mask} (y_ij - x_ij)^2 / (rows * |mask|)`. Writes (overwrites, does not
   * accumulate) every layer's `weight.grad` / `bias.grad`, creating them if absent, and, when
   * `gradInput [rows, in]` is given, `dLoss/dx` (through the network and through the target).
   * @param lossMask per-output-column 1 = counted, or null for all columns
   */
  lossAndGrad(x: Float32Array, rows: number, lossMask: Uint8Array | null, gradInput?: Float32Array): number {
    const y = this.forward(x, rows);
    const last = this.layers.length - 1;
    const d = this.sizes[last + 1]!;
    const count = rows * (lossMask === null ? d : countOnes(lossMask));
    const scale = 2 / count;
    const dy = this.dz[last]!;
    let sq = 0;
    for (let i = 0; i < rows; i++) {
      const r = i * d;
      for (let j = 0; j < d; j++) {
        const e = lossMask === null || lossMask[j] === 1 ? y[r + j]! - x[r + j]! : 0;
        sq += e * e;
        dy[r + j] = scale * e;
      }
    }
    this.backward(x, rows, gradInput);
    if (gradInput !== undefined) {
      // The target is x too: d(y - x)^2/dx through the target adds -dLoss/dy.
      for (let i = 0; i < rows * d; i++) gradInput[i] -= dy[i]!;
    }
    return sq / count;
  }

  /** Backpropagates `dz[last]` (already filled) through the stack into the parameter gradients. */
  private backward(x: Float32Array, rows: number, gradInput?: Float32Array): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const inF = this.sizes[l]!, outF = this.sizes[l + 1]!;
      const layer = this.layers[l]!;
      const dz = this.dz[l]!;
      const input = l === 0 ? x : this.net.activationOutput(l - 1);
      // dW [out, in] = dZ^T [out, rows] · A [rows, in]
      gemm(dz, input, gradOf(layer.weight), { m: outF, n: inF, k: rows, transA: true });
      columnSums(dz, rows, outF, this.colSum[l]!, gradOf(layer.bias));
      if (l > 0) {
        // dA [rows, in] = dZ [rows, out] · W [out, in], then masked by the activation derivative.
        gemm(dz, layer.weight.data, this.dz[l - 1]!, { m: rows, n: inF, k: outF });
        this.activationGradInPlace(this.dz[l - 1]!, l - 1, rows * inF);
      } else if (gradInput !== undefined) {
        gemm(dz, layer.weight.data, gradInput, { m: rows, n: inF, k: outF });
      }
    }
  }

  /** g *= act'(z) for hidden layer `l` over `len` values. */
  private activationGradInPlace(g: Float32Array, l: number, len: number): void {
    activationGradInPlace(this.activation, g, { z: this.net.preActivation(l), a: this.net.activationOutput(l), len });
  }
}

/**
 * `g[i] *= act'(z[i])` for the first `len` values, reading the pre-activation `z` (GELU) or the
 * output `a` (ReLU, tanh): the activation rules of autograd on raw buffers (the fused MLP and the
 * fused transformer layer share it).
 */
export function activationGradInPlace(activation: Activation, g: Float32Array, at: { z: Float32Array; a: Float32Array; len: number }): void {
  const { z, a, len } = at;
  if (activation === 'relu') {
    for (let i = 0; i < len; i++) if (!(a[i]! > 0)) g[i] = 0;
  } else if (activation === 'tanh') {
    for (let i = 0; i < len; i++) g[i] *= 1 - a[i]! * a[i]!;
  } else {
    for (let i = 0; i < len; i++) {
      const v = z[i]!;
      g[i] *= 0.5 * (1 + erfScalar(v * Math.SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    }
  }
}

/** The gradient buffer of `p`, created (zeros) on first use. */
export function gradOf(p: Var): Float32Array {
  if (p.grad === undefined) p.grad = new Tensor(new Float32Array(p.size), p.shape);
  return p.grad.data;
}

/** out[j] = sum_i m[i, j], accumulated in float64. */
export function columnSums(m: Float32Array, rows: number, n: number, acc: Float64Array, out: Float32Array): void {
  acc.fill(0);
  for (let i = 0; i < rows; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) acc[j] += m[r + j]!;
  }
  for (let j = 0; j < n; j++) out[j] = acc[j]!;
}

function countOnes(mask: Uint8Array): number {
  let c = 0;
  for (let j = 0; j < mask.length; j++) c += mask[j]!;
  return c;
}
