/**
 * The sequence-aware anomaly model: a tiny Transformer that reconstructs every step of an event
 * window. The anomaly score of a window is its mean squared reconstruction error: higher = more
 * anomalous.
 */
import { DataError, InvalidOptionError, ShapeError, TrainingError, fmtShape } from '../errors.js';
import { type Random, Tensor } from '../tensor/index.js';
import { Var, add, backward, mseLoss, zeroGrad } from '../autograd/index.js';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { TransformerEncoderLayer } from './transformer-encoder-layer.js';
import { FusedTransformer } from './fused-transformer.js';
import type { Optimizer } from './optimizer.js';

export interface SequenceAutoencoderOptions {
  /** Features per step F (default 64). */
  inputDim?: number;
  /** Steps per window T (default 16); the positional embedding has one row per step. */
  seqLen?: number;
  /** Model width (default 32). */
  dModel?: number;
  /** Attention heads (default 2). */
  nhead?: number;
  /** Feed-forward width (default 64). */
  dimFeedforward?: number;
  /** Dropout in training mode (default 0). */
  dropout?: number;
  /** Feed-forward activation (default 'relu'). */
  activation?: 'relu' | 'gelu';
  /** Pre-norm instead of post-norm (default false). */
  normFirst?: boolean;
  /** Initialises the weights: embed, pos_embedding, encoder, head, in that order. */
  rng: Random;
}

/** Windows per inference chunk: bounds the activations of `score`/`reconstruct` on big inputs. */
const INFER_CHUNK = 256;

/**
 * `x [B, T, F] -> embed (Linear F->d) + pos_embedding [T, d] -> TransformerEncoderLayer ->
 * head (Linear d->F) = reconstruction [B, T, F]` (W5 in docs/benchmarks.md with the defaults:
 * F 64, T 16, d 32, 2 heads, FF 64, ReLU, post-norm, dropout 0).
 *
 * State-dict names: `pos_embedding`, `embed.weight`, `embed.bias`, `encoder.self_attn.*`,
 * `encoder.linear1.*`, `encoder.linear2.*`, `encoder.norm1.*`, `encoder.norm2.*`, `head.weight`,
 * `head.bias` (own parameters first, as torch's `named_parameters`). `pos_embedding` starts as
 * N(0, 0.02²), the learned-position initialisation of BERT / GPT-2
 * (https://arxiv.org/abs/1810.04805); the rest follow their modules' torch rules.
 */
export class SequenceAutoencoder extends Module {
  readonly inputDim: number;
  readonly seqLen: number;
  readonly dModel: number;
  readonly posEmbedding: Var;
  readonly embed: Linear;
  readonly encoder: TransformerEncoderLayer;
  readonly head: Linear;
  readonly dropout: number;
  /** Fused no-autograd path over the same parameter buffers (training steps without dropout, inference; split across threads by nn/parallel-sequence.ts). */
  readonly fused: FusedTransformer;

  /** @throws InvalidOptionError for non-positive sizes (and the encoder layer's own option errors) */
  constructor(options: SequenceAutoencoderOptions) {
    super();
    const { inputDim = 64, seqLen = 16, dModel = 32, nhead = 2, dimFeedforward = 64, dropout = 0, activation = 'relu', normFirst = false, rng } = options;
    for (const [name, v] of [['inputDim', inputDim], ['seqLen', seqLen], ['dModel', dModel]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`SequenceAutoencoder: ${name} must be a positive integer, got ${v}`, name);
    }
    this.inputDim = inputDim;
    this.seqLen = seqLen;
    this.dModel = dModel;
    this.embed = this.registerModule('embed', new Linear(inputDim, dModel, rng));
    this.posEmbedding = this.registerParameter('pos_embedding', new Tensor(rng.normalFill(new Float32Array(seqLen * dModel), 0, 0.02), [seqLen, dModel]));
    this.encoder = this.registerModule('encoder', new TransformerEncoderLayer({ dModel, nhead, dimFeedforward, dropout, activation, normFirst, rng }));
    this.head = this.registerModule('head', new Linear(dModel, inputDim, rng));
    this.dropout = dropout;
    this.fused = new FusedTransformer(
      { embed: this.embed, posEmbedding: this.posEmbedding, layers: [this.encoder], head: this.head },
      { len: seqLen, causal: false },
    );
  }

  /** `[B, T, F] -> [B, T, F]` reconstruction. @throws ShapeError unless x is `[B, seqLen, inputDim]` */
  forward(x: Var): Var {
    if (x.shape.length !== 3 || x.shape[1] !== this.seqLen || x.shape[2] !== this.inputDim) {
      throw new ShapeError(`SequenceAutoencoder: input must be [batch, ${this.seqLen}, ${this.inputDim}], got ${fmtShape(x.shape)}`, 'SequenceAutoencoder', [x.shape]);
    }
    const h = add(this.embed.forward(x), this.posEmbedding);
    return this.head.forward(this.encoder.forward(h));
  }

  /** Training loss: MSE over every element of the batch `[B, T, F]` (a 0-d Var). */
  loss(x: Var): Var {
    return mseLoss(this.forward(x), x);
  }

  /**
   * Fused forward + backward on `batch [rows, T, F]` (no dropout): sets every parameter's `grad`
   * (overwriting; no zeroGrad needed) to the gradient of {@link loss} and returns the loss.
   * Gradients equal autograd's to float32 rounding.
   * @throws ShapeError/DataError for a batch of the wrong length or no rows
   */
  lossAndGrad(batch: Float32Array, rows: number): number {
    const x = this.wrap('lossAndGrad', batch, rows);
    return this.fused.lossAndGrad({ x: x.data, batch: rows }, { target: x.data, positions: null, columns: null });
  }

  /**
   * One optimisation step on `batch` (`rows` windows, row-major `[rows, T, F]`): the fused
   * {@link lossAndGrad} without dropout, the autograd graph in training mode with dropout, then
   * `optimizer.step()`. Returns the loss.
   * @throws ShapeError/DataError for a batch of the wrong length or no rows; TrainingError (before any
   * parameter changes) when the loss is not finite
   */
  trainStep(batch: Float32Array, rows: number, optimizer: Optimizer): number {
    let value: number;
    if (this.dropout === 0 || !this.training) {
      value = this.lossAndGrad(batch, rows);
    } else {
      const x = new Var(this.wrap('trainStep', batch, rows));
      zeroGrad(this.parameters());
      const loss = this.loss(x);
      value = loss.item();
      if (Number.isFinite(value)) backward(loss);
    }
    if (!Number.isFinite(value)) throw new TrainingError(`SequenceAutoencoder.trainStep: loss must be finite, got ${value}`);
    optimizer.step();
    return value;
  }

  /**
   * Reconstructions `[n, T, F]` of `n` windows given row-major in `x`, computed without a graph and
   * in eval mode (training mode is restored afterwards).
   * @throws ShapeError/DataError for a wrong length or n < 1
   */
  reconstruct(x: Float32Array, n: number): Float32Array {
    this.wrap('reconstruct', x, n);
    return this.reconstructChunks(x, n);
  }

  /**
   * Anomaly score per window (higher = more anomalous): the mean over its T x F values of
   * `(reconstruction - x)²`, accumulated in float64. Returns `[n]`.
   * @throws ShapeError/DataError for a wrong length or n < 1
   */
  score(x: Float32Array, n: number): Float32Array {
    const per = this.seqLen * this.inputDim;
    this.wrap('score', x, n);
    const rec = this.reconstructChunks(x, n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i * per; j < (i + 1) * per; j++) {
        const d = rec[j]! - x[j]!;
        s += d * d;
      }
      out[i] = s / per;
    }
    return out;
  }

  /** Wraps a flat batch as `[rows, T, F]` after checking its length. */
  /**
   * Checks that `data` holds `rows` windows `[rows, T, F]` (errors name `SequenceAutoencoder.<where>`),
   * for callers that train this model through another path (nn/parallel-sequence.ts).
   * @throws DataError for rows < 1; ShapeError for a wrong length
   */
  checkBatch(where: string, data: Float32Array, rows: number): void {
    this.wrap(where, data, rows);
  }

  private wrap(where: string, data: Float32Array, rows: number): Tensor {
    if (!Number.isInteger(rows) || rows < 1) throw new DataError(`SequenceAutoencoder.${where}: rows must be a positive integer, got ${rows}`);
    const per = this.seqLen * this.inputDim;
    if (data.length !== rows * per) {
      throw new ShapeError(`SequenceAutoencoder.${where}: data length must be rows * ${this.seqLen} * ${this.inputDim} = ${rows * per}, got ${data.length}`, where, [[data.length]]);
    }
    return new Tensor(data, [rows, this.seqLen, this.inputDim]);
  }

  /** Fused forward passes over chunks of at most INFER_CHUNK windows (eval semantics: no dropout). */
  private reconstructChunks(x: Float32Array, n: number): Float32Array {
    const per = this.seqLen * this.inputDim;
    const out = new Float32Array(n * per);
    for (let start = 0; start < n; start += INFER_CHUNK) {
      const rows = Math.min(INFER_CHUNK, n - start);
      const y = this.fused.forward({ x: x.subarray(start * per, (start + rows) * per), batch: rows });
      out.set(y.subarray(0, rows * per), start * per);
    }
    return out;
  }
}
