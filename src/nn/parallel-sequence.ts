/**
 * The sequence autoencoder's training step on several threads (synchronous data parallelism, see
 * ../tensor/threads/data-parallel.ts): each thread runs the fused transformer step
 * ({@link SequenceAutoencoder.lossAndGradSlice}) on its slice of the batch's windows, the caller
 * adds the gradients. With `threads: 1` it is exactly `SequenceAutoencoder.lossAndGrad`.
 */
import { InvalidOptionError, TrainingError } from '../errors.js';
import { DataParallelStep, Random, Tensor, kernelBuffer, resolveThreads, type SliceStep, type ThreadsOption } from '../tensor/index.js';
import type { Optimizer } from './optimizer.js';
import { SequenceAutoencoder } from './sequence-autoencoder.js';

/** Options of {@link ParallelSequenceTrainer}. */
export interface ParallelSequenceOptions {
  /** The model whose parameters the steps train (dropout must be 0: the fused step). */
  model: SequenceAutoencoder;
  /** Threads, the calling one included: 'auto' (every core up to 4) or a count. Default 'auto'. */
  threads?: ThreadsOption;
}

/** What a worker needs to rebuild the model (its weights come from the shared parameter vector). */
interface SequenceSpec {
  inputDim: number;
  seqLen: number;
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  activation: 'relu' | 'gelu';
  normFirst: boolean;
}

export class ParallelSequenceTrainer {
  readonly threads: number;
  private readonly parallel: DataParallelStep | null;
  private readonly step: SliceStep;

  /** @throws InvalidOptionError for a model with dropout or a bad thread count */
  constructor(private readonly o: ParallelSequenceOptions) {
    this.threads = resolveThreads(o.threads, 'ParallelSequenceTrainer: threads');
    const { model } = o;
    if (model.dropout !== 0) throw new InvalidOptionError(`ParallelSequenceTrainer: the model's dropout must be 0 (the fused step), got ${model.dropout}`, 'dropout');
    const enc = model.encoder;
    const spec: SequenceSpec = {
      inputDim: model.inputDim, seqLen: model.seqLen, dModel: model.dModel, nhead: enc.selfAttn.numHeads,
      dimFeedforward: enc.linear1.outFeatures, activation: enc.activation, normFirst: enc.normFirst,
    };
    this.parallel = this.threads > 1
      ? new DataParallelStep({
        step: { module: import.meta.url, name: 'sequenceSliceStep' }, model: spec,
        params: model.parameters().map((p) => p.data), width: model.seqLen * model.inputDim, threads: this.threads,
      })
      : null;
    this.step = (x, rows, batchRows) => model.lossAndGradSlice(x, rows, batchRows);
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
    const params = model.parameters();
    for (const p of params) p.grad ??= new Tensor(kernelBuffer(p.size), p.shape);
    return this.parallel.step(batch, rows, params.map((p) => p.grad!.data), this.step);
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

/**
 * The worker side ({@link SliceStepFactory} of ../tensor/threads/data-parallel.ts): a model of the
 * same shape whose parameters are refreshed from the flat parameter vector at each step, its
 * gradients copied into the worker's flat gradient vector.
 */
export function sequenceSliceStep(model: unknown, params: Float32Array, grads: Float32Array): SliceStep {
  const net = new SequenceAutoencoder({ ...(model as SequenceSpec), dropout: 0, rng: new Random(0) });
  const own = net.parameters();
  return (x, rows, batchRows) => {
    let at = 0;
    for (const p of own) {
      p.data.set(params.subarray(at, at + p.size));
      at += p.size;
    }
    const loss = net.lossAndGradSlice(x, rows, batchRows);
    at = 0;
    for (const p of own) {
      grads.set(p.grad!.data, at);
      at += p.size;
    }
    return loss;
  };
}
