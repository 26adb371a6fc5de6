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
import {
  KernelBufferSet, MlpForward, Tensor, activationGradInPlace, columnSums, gemm, kernelBuffer, squaredErrorGrad, type Activation,
} from '../tensor/index.js';

/** The activation union, re-exported under nn's name (defined once in tensor/activation.ts). */
export type { Activation };

/**
 * A parameter as the fused path uses it: its values and a gradient it overwrites (created on first
 * use when absent). An autograd leaf `Var` is one; a worker thread's replica wraps views of the
 * shared heap (nn/parallel-mlp.ts).
 */
export interface Parameter {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly size: number;
  grad: Tensor | undefined;
}

/** One dense layer: `weight [out, in]`, `bias [out]` (autograd leaves; their buffers are shared). */
export interface DenseLayer {
  readonly weight: Parameter;
  readonly bias: Parameter;
}

/** Options of {@link FusedMlp.lossAndGradSlice}. */
export interface SliceOptions {
  /** Rows of the whole batch the slice belongs to: the loss and gradients are normalized by it. */
  batchRows: number;
  /** Per output column 1 = counted, or null for all columns. */
  lossMask: Uint8Array | null;
}

export class FusedMlp {
  /** Layer widths `[in, h1, ..., out]`. */
  readonly sizes: readonly number[];
  /** The forward kernel over the same parameter buffers; its buffers hold what backward reads. */
  readonly net: MlpForward;
  private capacity = 0;
  /** Per layer: dLoss/dz `[capacity, out_l]` (also holds dLoss/da before the activation mask). */
  private dz: Float32Array[] = [];
  private readonly buffers = new KernelBufferSet(this);

  constructor(readonly layers: readonly DenseLayer[], readonly activation: Activation) {
    // Parameter.data is the parameter's own buffer, updated in place by optimizers and loadStateDict.
    this.net = new MlpForward(layers.map((l) => ({ weight: l.weight.data, bias: l.bias.data })), activation);
    this.sizes = this.net.sizes;
  }

  /** Grows the activation and gradient buffers to hold `rows` rows (never shrinks). */
  ensureCapacity(rows: number): void {
    this.net.ensureCapacity(rows);
    if (rows <= this.capacity) return;
    this.dz = this.buffers.replace(this.sizes.slice(1).map((n) => rows * n));
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
    return this.sliceStep(x, rows, { batchRows: rows, lossMask, gradInput });
  }

  /**
   * {@link lossAndGrad} for `rows` rows that are a slice of a batch of `batchRows`: the loss share
   * and gradients are divided by the whole batch's count, so the slices' results sum to the batch's
   * (data-parallel training, ../tensor/threads/data-parallel.ts).
   */
  lossAndGradSlice(x: Float32Array, rows: number, o: SliceOptions): number {
    return this.sliceStep(x, rows, o);
  }

  private sliceStep(x: Float32Array, rows: number, o: SliceOptions & { gradInput?: Float32Array }): number {
    const { batchRows, lossMask, gradInput } = o;
    const y = this.forward(x, rows);
    const last = this.layers.length - 1;
    const d = this.sizes[last + 1]!;
    const count = batchRows * (lossMask === null ? d : countOnes(lossMask));
    const dy = this.dz[last]!;
    const sq = squaredErrorGrad(y, x, dy, { rows, d, mask: lossMask, scale: 2 / count });
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
      columnSums(dz, rows, outF, gradOf(layer.bias));
      if (l > 0) {
        // dA [rows, in] = dZ [rows, out] · W [out, in], then masked by the activation derivative.
        gemm(dz, layer.weight.data, this.dz[l - 1]!, { m: rows, n: inF, k: outF });
        activationGradInPlace(this.dz[l - 1]!, this.net.activationOutput(l - 1), this.net.preActivation(l - 1), rows * inF, this.activation);
      } else if (gradInput !== undefined) {
        gemm(dz, layer.weight.data, gradInput, { m: rows, n: inF, k: outF });
      }
    }
  }
}

/** The gradient buffer of `p`, created (zeros) on first use (the fused transformer layers share it). */
export function gradOf(p: Parameter): Float32Array {
  if (p.grad === undefined) p.grad = new Tensor(kernelBuffer(p.size), p.shape);
  return p.grad.data;
}

function countOnes(mask: Uint8Array): number {
  let c = 0;
  for (let j = 0; j < mask.length; j++) c += mask[j]!;
  return c;
}
