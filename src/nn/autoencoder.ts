/**
 * The anomaly-detection autoencoder: an encoder and a decoder stack of Linear layers, an activation
 * between layers and a linear output. The anomaly score of a row is its mean squared reconstruction
 * error over the active features: higher = more anomalous.
 */
import { InvalidOptionError, ShapeError, TrainingError } from '../errors.js';
import { checkActivation, checkColumns, type MlpSpec } from '../model-spec/index.js';
import { MLP_CHUNK_ROWS, type Random, Tensor, type ThreadsOption } from '../tensor/index.js';
import { type Var, mean, mul, pow, scale, sub, sum } from '../autograd/index.js';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { GELU, ReLU, Tanh } from './activations.js';
import { Sequential } from './sequential.js';
import { FusedMlp, type Activation } from './fused-mlp.js';
import type { Optimizer } from './optimizer.js';
import { ParallelMlpScorer, ParallelMlpTrainer } from './parallel-mlp.js';

export interface AutoencoderOptions {
  /** Input (and output) width. */
  inputDim: number;
  /** Encoder widths; the decoder mirrors them. Default `[32, 8]` (64->32->8->32->64). */
  hiddenDims?: readonly number[];
  /** Activation between layers (default 'relu'; 'gelu' is the exact erf form). */
  activation?: Activation;
  /** Columns that carry data (score and 'active' loss average over these); null (default) = all. */
  activeFeatures?: readonly number[] | null;
  /** Training loss columns: 'all' (default, as W1) or 'active'. */
  lossFeatures?: 'all' | 'active';
  /** Initialises the weights (Linear's PyTorch rule), layer by layer in state-dict order. */
  rng: Random;
}


/**
 * `encoder = Sequential(Linear(in,h1), act, Linear(h1,h2), act, ..., Linear(h_{k-1},h_k), act)`,
 * `decoder = Sequential(Linear(h_k,h_{k-1}), act, ..., Linear(h1,in))` (linear output). State-dict
 * names follow torch: `encoder.0.weight, encoder.0.bias, encoder.2.weight, ..., decoder.0.weight, ...`.
 */
export class Autoencoder extends Module {
  readonly inputDim: number;
  readonly hiddenDims: readonly number[];
  readonly activation: Activation;
  readonly activeFeatures: readonly number[] | null;
  readonly lossFeatures: 'all' | 'active';
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  /** 1 per active column; null = all active. */
  private readonly activeMask: Uint8Array | null;
  /** The active columns ascending; null = all active. */
  private readonly activeColumns: Int32Array | null;
  /** Fused no-autograd path over the same parameter buffers (training steps and inference). */
  private readonly fused: FusedMlp;
  /** The Linear layers of encoder and decoder, in order. */
  private readonly linears: Linear[];

  /** @throws InvalidOptionError for non-positive widths, an unknown activation or bad feature indices */
  constructor(options: AutoencoderOptions) {
    super();
    const { inputDim, hiddenDims = [32, 8], activation = 'relu', activeFeatures = null, lossFeatures = 'all' } = options;
    const dims = [inputDim, ...hiddenDims];
    if (hiddenDims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new InvalidOptionError(`Autoencoder: inputDim and hiddenDims must be positive integers (at least one hidden), got ${inputDim} and [${hiddenDims.join(', ')}]`, 'hiddenDims');
    }
    checkActivation(activation, 'Autoencoder');
    if (lossFeatures !== 'all' && lossFeatures !== 'active') {
      throw new InvalidOptionError(`Autoencoder: lossFeatures must be 'all' or 'active', got ${String(lossFeatures)}`, 'lossFeatures');
    }
    this.inputDim = inputDim;
    this.hiddenDims = [...hiddenDims];
    this.activation = activation;
    this.activeFeatures = activeFeatures === null ? null : [...activeFeatures];
    this.lossFeatures = lossFeatures;
    this.activeMask = activeFeatures === null ? null : makeMask(activeFeatures, inputDim);
    this.activeColumns = this.activeMask === null ? null : Int32Array.from(activeFeatures!).sort();
    const rng = options.rng;
    const back = [...dims].reverse();
    this.encoder = this.registerModule('encoder', new Sequential(...linearStack(dims, activation, rng), activationModule(activation)));
    this.decoder = this.registerModule('decoder', new Sequential(...linearStack(back, activation, rng)));
    this.linears = [...this.encoder.layers, ...this.decoder.layers].filter((m): m is Linear => m instanceof Linear);
    this.fused = new FusedMlp(this.linears.map((l) => ({ weight: l.weight, bias: l.bias! })), activation);
  }

  /**
   * The network as plain weights: its Linear layers in order (encoder then decoder) as `[out, in]` /
   * `[out]` Float32Arrays (the parameters' own buffers, not copies), the activation and the active
   * columns. This is what the ONNX exporter and the explainers read.
   */
  mlpSpec(): MlpSpec {
    return { layers: this.linears.map((l) => ({ weight: l.weight.data, bias: l.bias!.data })), activation: this.activation, activeFeatures: this.activeFeatures };
  }

  /** Reconstruction `[rows, inputDim] -> [rows, inputDim]` through the autograd graph. */
  forward(x: Var): Var {
    return this.decoder.forward(this.encoder.forward(x));
  }

  /**
   * Training loss through autograd (the reference for {@link lossAndGrad}): mean of
   * `(forward(x) - x)^2` over all columns or, with lossFeatures 'active', over the active ones.
   */
  loss(x: Var): Var {
    const err = pow(sub(this.forward(x), x), 2);
    if (this.lossFeatures === 'all' || this.activeMask === null) return mean(err);
    const rows = x.size / this.inputDim;
    const mask = new Tensor(Float32Array.from(this.activeMask), [this.inputDim]);
    return scale(sum(mul(err, mask)), 1 / (rows * this.activeFeatures!.length));
  }

  /**
   * Fused forward + backward on `batch [rows, inputDim]` (first `rows * inputDim` values): sets every
   * parameter's `grad` to dLoss/dparam (overwriting; no zeroGrad needed) and returns the loss.
   * `gradInput [rows, inputDim]`, when given, receives dLoss/dbatch. Gradients equal autograd's.
   * @throws ShapeError when rows < 1 or `batch` (or `gradInput`) is too short for `rows`
   */
  lossAndGrad(batch: Float32Array, rows: number, gradInput?: Float32Array): number {
    this.checkRows('lossAndGrad', batch, rows);
    if (rows < 1) throw new ShapeError(`Autoencoder.lossAndGrad: rows must be >= 1, got ${rows}`, 'lossAndGrad');
    if (gradInput !== undefined) this.checkRows('lossAndGrad', gradInput, rows);
    const mask = this.lossFeatures === 'active' ? this.activeMask : null;
    return this.fused.lossAndGrad(batch, rows, mask, gradInput);
  }

  /**
   * One training step: {@link lossAndGrad} then `optimizer.step()`. Returns the loss (before the step).
   * @throws TrainingError (parameters untouched) when the loss is not finite; ShapeError for a short batch
   */
  trainStep(batch: Float32Array, rows: number, optimizer: Optimizer): number {
    const loss = this.lossAndGrad(batch, rows);
    if (!Number.isFinite(loss)) {
      throw new TrainingError(`Autoencoder.trainStep: loss must be finite, got ${loss}`);
    }
    optimizer.step();
    return loss;
  }

  /**
   * Reconstruction of `x [rows, inputDim]` without gradients (gemm on preallocated buffers).
   * @returns `[rows, inputDim]`, written into `out` when given
   */
  reconstruct(x: Float32Array, rows: number, out = new Float32Array(rows * this.inputDim)): Float32Array {
    this.checkRows('reconstruct', x, rows);
    const d = this.inputDim;
    for (let r0 = 0; r0 < rows; r0 += MLP_CHUNK_ROWS) {
      const n = Math.min(MLP_CHUNK_ROWS, rows - r0);
      const y = this.fused.forward(x.subarray(r0 * d, (r0 + n) * d), n);
      out.set(y.subarray(0, n * d), r0 * d);
    }
    return out;
  }

  /**
   * Anomaly score per row: mean over the active features of `(reconstruction - x)^2`
   * (higher = more anomalous), without gradients.
   * @returns `[rows]`, written into `out` when given
   */
  score(x: Float32Array, rows: number, out = new Float32Array(rows)): Float32Array {
    this.checkRows('score', x, rows);
    this.fused.net.reconstructionError({ x, rows, columns: this.activeColumns, out });
    return out;
  }

  /**
   * {@link lossAndGrad} of whole batches split across `threads` threads (data parallel, gradients of
   * the slices summed in thread order; see docs/kernels.md). One thread is `lossAndGrad` exactly.
   * Call `close` when training ends.
   * @throws InvalidOptionError for a thread count other than 'auto' or an integer >= 1
   */
  parallelTrainer(threads: ThreadsOption): ParallelMlpTrainer {
    const params = this.parameters() as Var[];
    return new ParallelMlpTrainer({ params, activation: this.activation, lossMask: this.lossFeatures === 'active' ? this.activeMask : null, threads });
  }

  /**
   * {@link score} with rows split across `threads` threads (each row's score as on one thread). The
   * workers copy the weights when a session opens: `close` it after the weights change.
   * @throws InvalidOptionError for a thread count other than 'auto' or an integer >= 1
   */
  parallelScorer(threads: ThreadsOption): ParallelMlpScorer {
    const params = this.parameters() as Var[];
    return new ParallelMlpScorer({ params, activation: this.activation, scoreMask: this.activeMask, threads });
  }

  private checkRows(where: string, x: Float32Array, rows: number): void {
    if (!Number.isInteger(rows) || rows < 0 || x.length < rows * this.inputDim) {
      throw new ShapeError(`Autoencoder.${where}: input must hold rows x ${this.inputDim} = ${rows * this.inputDim} values, got ${x.length} for rows ${rows}`, where);
    }
  }
}

function activationModule(a: Activation): Module {
  return a === 'relu' ? new ReLU() : a === 'tanh' ? new Tanh() : new GELU();
}

/** `[Linear(d0,d1), act, Linear(d1,d2), ..., Linear(d_{k-1},d_k)]`: no activation after the last. */
function linearStack(dims: readonly number[], activation: Activation, rng: Random): Module[] {
  const layers: Module[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    if (i > 0) layers.push(activationModule(activation));
    layers.push(new Linear(dims[i]!, dims[i + 1]!, rng));
  }
  return layers;
}

function makeMask(features: readonly number[], d: number): Uint8Array {
  checkColumns(features, d, { where: 'Autoencoder', name: 'activeFeatures' });
  const mask = new Uint8Array(d);
  for (const j of features) mask[j] = 1;
  return mask;
}
