/**
 * The sequence autoencoder's training step on several threads: its fused transformer step split by
 * windows through {@link ParallelTransformerTrainer} (./parallel-transformer.ts, synchronous data
 * parallelism), the target being the input. With `threads: 1` it is exactly
 * `SequenceAutoencoder.lossAndGrad`.
 */
import { InvalidOptionError, TrainingError } from '../errors.js';
import { resolveThreads, type ThreadsOption } from '../tensor/index.js';
import type { Optimizer } from './optimizer.js';
import { ParallelTransformerTrainer } from './parallel-transformer.js';
import type { SequenceAutoencoder } from './sequence-autoencoder.js';

/** Options of {@link ParallelSequenceTrainer}. */
export interface ParallelSequenceOptions {
  /** The model whose parameters the steps train (dropout must be 0: the fused step). */
  model: SequenceAutoencoder;
  /** Threads, the calling one included: 'auto' (every core up to 4) or a count. Default 'auto'. */
  threads?: ThreadsOption;
}

export class ParallelSequenceTrainer {
  readonly threads: number;
  private readonly parallel: ParallelTransformerTrainer | null;

  /** @throws InvalidOptionError for a model with dropout or a bad thread count */
  constructor(private readonly o: ParallelSequenceOptions) {
    this.threads = resolveThreads(o.threads, 'ParallelSequenceTrainer: threads');
    const { model } = o;
    if (model.dropout !== 0) throw new InvalidOptionError(`ParallelSequenceTrainer: the model's dropout must be 0 (the fused step), got ${model.dropout}`, 'dropout');
    this.parallel = this.threads > 1 ? new ParallelTransformerTrainer({ fused: model.fused, threads: this.threads }) : null;
  }

  /**
   * Loss and gradients of `batch [rows, T, F]`, as `SequenceAutoencoder.lossAndGrad`: every
   * parameter's `grad` is overwritten with dLoss/dparam.
   * @throws ShapeError/DataError for a batch of the wrong length or no rows
   */
  lossAndGrad(batch: Float32Array, rows: number): number {
    const { model } = this.o;
    if (this.parallel === null || rows < 2) return model.lossAndGrad(batch, rows);
    model.checkBatch('lossAndGrad', batch, rows);
    return this.parallel.lossAndGrad({ x: batch, batch: rows }, { target: batch, positions: null, columns: null });
  }

  /**
   * {@link lossAndGrad}, then `optimizer.step()`. Returns the loss.
   * @throws TrainingError (before any parameter changes) when the loss is not finite
   */
  trainStep(batch: Float32Array, rows: number, optimizer: Optimizer): number {
    const value = this.lossAndGrad(batch, rows);
    if (!Number.isFinite(value)) throw new TrainingError(`ParallelSequenceTrainer.trainStep: loss must be finite, got ${value}`);
    optimizer.step();
    return value;
  }

  /** Lets the worker threads go (they stay in the pool for other work). */
  close(): void {
    this.parallel?.close();
  }
}
