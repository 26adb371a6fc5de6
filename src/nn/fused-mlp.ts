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
import { Tensor, erfScalar, gemm } from '../tensor/index.js';
import type { Var } from '../autograd/index.js';

/** Activations the fused path implements: relu, exact (erf) GELU, tanh. */
export type Activation = 'relu' | 'gelu' | 'tanh';

/** One dense layer: `weight [out, in]`, `bias [out]` (autograd leaves; their buffers are shared). */
export interface DenseLayer {
  readonly weight: Var;
  readonly bias: Var;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export class FusedMlp {
  /** Layer widths `[in, h1, ..., out]`. */
  readonly sizes: readonly number[];
  private capacity = 0;
  /** Per layer: pre-activation (output layer: the result) `[capacity, out_l]`. */
  private z: Float32Array[] = [];
  /** Per hidden layer: activation output `[capacity, out_l]`. */
  private a: Float32Array[] = [];
  /** Per layer: dLoss/dz `[capacity, out_l]` (also holds dLoss/da before the activation mask). */
  private dz: Float32Array[] = [];
  /** Per layer: float64 column-sum accumulator for the bias gradient `[out_l]`. */
  private readonly colSum: Float64Array[];

  constructor(readonly layers: readonly DenseLayer[], readonly activation: Activation) {
    this.sizes = [layers[0]!.weight.shape[1]!, ...layers.map((l) => l.weight.shape[0]!)];
    this.colSum = layers.map((l) => new Float64Array(l.weight.shape[0]!));
  }

  /** Grows the activation buffers to hold `rows` rows (never shrinks). */
  ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const outs = this.sizes.slice(1);
    this.z = outs.map((n) => new Float32Array(rows * n));
    this.a = outs.slice(0, -1).map((n) => new Float32Array(rows * n));
    this.dz = outs.map((n) => new Float32Array(rows * n));
    this.capacity = rows;
  }

  /**
   * Forward pass of `rows` rows of `x [rows, in]` (row-major, from index 0). Returns the internal
   * output buffer; its first `rows * out` values are valid until the next call.
   */
  forward(x: Float32Array, rows: number): Float32Array {
    this.ensureCapacity(rows);
    const last = this.layers.length - 1;
    let input = x;
    for (let l = 0; l <= last; l++) {
      const inF = this.sizes[l]!, outF = this.sizes[l + 1]!;
      const z = this.z[l]!;
      gemm(input, this.layers[l]!.weight.data, z, { m: rows, n: outF, k: inF, transB: true });
      const b = this.layers[l]!.bias.data;
      if (l === last) {
        addBias(z, b, rows, outF);
      } else {
        this.biasActivate(z, this.a[l]!, b, rows, outF);
        input = this.a[l]!;
      }
    }
    return this.z[last]!;
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
      const input = l === 0 ? x : this.a[l - 1]!;
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

  /** z += b per row, then a = act(z); for GELU z keeps the biased pre-activation for backward. */
  private biasActivate(z: Float32Array, a: Float32Array, b: Float32Array, rows: number, n: number): void {
    addBias(z, b, rows, n);
    activateInto(this.activation, z, a, rows * n);
  }

  /** g *= act'(z) for hidden layer `l` over `len` values. */
  private activationGradInPlace(g: Float32Array, l: number, len: number): void {
    activationGradInPlace(this.activation, g, this.z[l]!, this.a[l]!, len);
  }
}

/** `a[i] = act(z[i])` for the first `len` values (GELU: the exact erf form). */
export function activateInto(activation: Activation, z: Float32Array, a: Float32Array, len: number): void {
  if (activation === 'relu') {
    for (let i = 0; i < len; i++) a[i] = z[i]! > 0 ? z[i]! : 0;
  } else if (activation === 'tanh') {
    for (let i = 0; i < len; i++) a[i] = Math.tanh(z[i]!);
  } else {
    for (let i = 0; i < len; i++) a[i] = 0.5 * z[i]! * (1 + erfScalar(z[i]! * Math.SQRT1_2));
  }
}

/** `g[i] *= act'(z[i])` for the first `len` values, reading the pre-activation `z` or the output `a`. */
export function activationGradInPlace(activation: Activation, g: Float32Array, z: Float32Array, a: Float32Array, len: number): void {
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

/** z[i, :] += b for each of `rows` rows of width `n`. */
export function addBias(z: Float32Array, b: Float32Array, rows: number, n: number): void {
  for (let i = 0; i < rows; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) z[r + j] += b[j]!;
  }
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
