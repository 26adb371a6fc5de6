/**
 * The one forward kernel of a dense network (Linear layers with one activation between them and a
 * linear output), on preallocated Float32Array buffers with {@link gemm}. nn's fused training step,
 * the autoencoder's inference and the explainers' score function all run it, so they compute the
 * same numbers. (The Shapley coalition kernels and the ONNX runtime evaluate the same network in
 * their own, structurally different ways.) Under the wasm backend the buffers live in the kernel
 * heap and the bias+ReLU epilogue runs on WebAssembly (./bias-activation.ts).
 */
import type { Activation } from './activation.js';
import { biasActivation } from './bias-activation.js';
import { gemm } from './gemm.js';
import { KernelBufferSet } from './kernel-buffer.js';
import { rowSquaredError } from './squared-error.js';

/** One dense layer as plain arrays: `y = x · weight^T + bias`, weight `[out, in]` row-major, bias `[out]`. */
export interface DenseWeights {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

/**
 * Forward passes of one network. Buffers grow to the largest batch seen and are reused; the results
 * of the last call (`preActivation`, `activation`, the output) stay valid until the next call, which
 * is what a backward pass reads.
 */
export class MlpForward {
  /** Layer widths `[in, h1, ..., out]`. */
  readonly sizes: readonly number[];
  private capacity = 0;
  /** Per layer: x · W^T + b `[capacity, out_l]` (the output layer's is the result). */
  private z: Float32Array[] = [];
  /** Per hidden layer: act(z) `[capacity, out_l]`. */
  private a: Float32Array[] = [];
  private readonly buffers = new KernelBufferSet(this);

  /** @param layers the network's layers in order; their arrays are read at every call, not copied */
  constructor(
    readonly layers: readonly DenseWeights[],
    readonly activation: Activation,
  ) {
    this.sizes = [layers[0]!.weight.length / layers[0]!.bias.length, ...layers.map((l) => l.bias.length)];
  }

  /** Grows the buffers to hold `rows` rows (never shrinks). */
  ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const outs = this.sizes.slice(1).map((n) => rows * n);
    const fresh = this.buffers.replace([...outs, ...outs.slice(0, -1)]);
    this.z = fresh.slice(0, outs.length);
    this.a = fresh.slice(outs.length);
    this.capacity = rows;
  }

  /** Layer `l`'s biased pre-activation `[rows, out_l]` of the last call (capacity-sized buffer). */
  preActivation(l: number): Float32Array {
    return this.z[l]!;
  }

  /** Hidden layer `l`'s activation `[rows, out_l]` of the last call (capacity-sized buffer). */
  activationOutput(l: number): Float32Array {
    return this.a[l]!;
  }

  /**
   * Forward pass of the first `rows` rows of `x [rows, in]`. Returns the internal output buffer; its
   * first `rows * out` values are valid until the next call.
   */
  run(x: Float32Array, rows: number): Float32Array {
    this.ensureCapacity(rows);
    const last = this.layers.length - 1;
    let input = x;
    for (let l = 0; l <= last; l++) {
      const inF = this.sizes[l]!;
      const outF = this.sizes[l + 1]!;
      const z = this.z[l]!;
      gemm(input, this.layers[l]!.weight, z, { m: rows, n: outF, k: inF, transB: true });
      const a = l === last ? z : this.a[l]!;
      biasActivation(z, a, this.layers[l]!.bias, { rows, n: outF, activation: l === last ? null : this.activation });
      input = a;
    }
    return this.z[last]!;
  }

  /**
   * Per row, the mean over `columns` of `(y - x)^2` where y is the network's output for row x (an
   * autoencoder's reconstruction error; input and output widths are equal), into `out[0..rows)`.
   * Rows go through in chunks of {@link MLP_CHUNK_ROWS} so the buffers stay bounded.
   */
  reconstructionError(e: ReconstructionErrorArgs): void {
    const { x, rows, columns, out } = e;
    const d = this.sizes[0]!;
    const count = columns === null ? d : columns.length;
    const mask = columnMask(columns, d);
    for (let r0 = 0; r0 < rows; r0 += MLP_CHUNK_ROWS) {
      const n = Math.min(MLP_CHUNK_ROWS, rows - r0);
      const xs = x.subarray(r0 * d, (r0 + n) * d);
      rowSquaredError(this.run(xs, n), xs, out.subarray(r0, r0 + n), { rows: n, d, mask, count });
    }
  }
}

/** Rows per forward pass of inference over many rows: bounds the activation buffers on big inputs. */
export const MLP_CHUNK_ROWS = 1024;

/** Arguments of {@link MlpForward.reconstructionError}. */
export interface ReconstructionErrorArgs {
  /** `[rows, D]` */
  x: Float32Array;
  rows: number;
  /** The counted columns in ascending order, or null for all D. */
  columns: Int32Array | null;
  /** Receives `[rows]` scores. */
  out: Float32Array | Float64Array;
}

/** The 0/1 byte mask of a column list, made once per list (the wasm kernel caches its float twin by identity). */
const masks = new WeakMap<Int32Array, Uint8Array>();
function columnMask(columns: Int32Array | null, d: number): Uint8Array | null {
  if (columns === null) return null;
  let mask = masks.get(columns);
  if (mask === undefined) {
    mask = new Uint8Array(d);
    for (const j of columns) mask[j] = 1;
    masks.set(columns, mask);
  }
  return mask;
}
