/**
 * The fused transformer's training step on several threads (synchronous data parallelism, see
 * ../tensor/threads/data-parallel.ts), for any model trained through {@link FusedTransformer}
 * (the transformer kind's window network). Each thread runs `FusedTransformer.lossAndGrad` on its
 * slice of the batch's sequences with the slice's rows of the per-sequence side inputs (targets,
 * counted positions, masked positions); the caller adds the gradients. The loss is normalized by
 * the positions the whole batch counts, handed to every slice, so slices holding different numbers
 * of counted positions still add up to the batch's loss and gradients. With `threads: 1` (or a
 * one-sequence batch) it is exactly `FusedTransformer.lossAndGrad`.
 */
import { InvalidOptionError } from '../errors.js';
import { DataParallelStep, Random, Tensor, resolveThreads, type RowInput, type SliceSide, type SliceStep, type ThreadsOption } from '../tensor/index.js';
import { Var } from '../autograd/index.js';
import { gradOf } from './fused-mlp.js';
import { FusedTransformer, type FusedBatch, type FusedLoss, type FusedTransformerParts } from './fused-transformer.js';
import { Linear } from './linear.js';
import { TransformerEncoderLayer } from './transformer-encoder-layer.js';

/** Options of {@link ParallelTransformerTrainer}. */
export interface ParallelTransformerOptions {
  /** The fused network whose parameters the steps train. */
  fused: FusedTransformer;
  /** Threads, the calling one included: 'auto' (every core up to 4) or a count. Default 'auto'. */
  threads?: ThreadsOption;
}

/** What a worker needs to rebuild the network (its weights come from the shared parameter vector). */
interface TransformerSpec {
  inputDim: number;
  len: number;
  dModel: number;
  causal: boolean;
  maskToken: boolean;
  layers: { nhead: number; dimFeedforward: number; activation: 'relu' | 'gelu'; normFirst: boolean; layerNormEps: number }[];
}

/**
 * Side inputs per sequence, in this order: the target `[L, F]` (absent when it is the input, as for
 * an autoencoder: not copied, and the fused step reads its own copy of the input), counted
 * positions `[L]`, masked position `[1]`.
 */
const TARGET = 0, POSITIONS = 1, MASK = 2;

/**
 * The parameters `parts` trains, in the one order both sides of the step use for the flat
 * parameter and gradient vectors: embedding, positions, mask embedding (if any), each layer's
 * parameters, head.
 */
export function fusedParameters(parts: FusedTransformerParts): Var[] {
  const { embed, posEmbedding, maskEmbedding, layers, head } = parts;
  return [
    embed.weight, embed.bias!, posEmbedding, ...(maskEmbedding === undefined ? [] : [maskEmbedding]),
    ...layers.flatMap((l) => l.parameters()), head.weight, head.bias!,
  ];
}

export class ParallelTransformerTrainer {
  readonly threads: number;
  private readonly parallel: DataParallelStep | null;
  private readonly params: Var[];
  private readonly step: SliceStep;

  /** @throws InvalidOptionError for a bad thread count */
  constructor(private readonly o: ParallelTransformerOptions) {
    this.threads = resolveThreads(o.threads, 'ParallelTransformerTrainer: threads');
    const { fused } = o;
    const { parts, inputDim: F, len: L } = fused;
    const spec: TransformerSpec = {
      inputDim: F, len: L, dModel: fused.dModel, causal: fused.causal, maskToken: parts.maskEmbedding !== undefined,
      layers: parts.layers.map((l) => ({
        nhead: l.selfAttn.numHeads, dimFeedforward: l.linear1.outFeatures, activation: l.activation, normFirst: l.normFirst, layerNormEps: l.norm1.eps,
      })),
    };
    this.params = fusedParameters(parts);
    const side: RowInput[] = [{ width: L * F, type: 'float32' }, { width: L, type: 'uint8' }, { width: 1, type: 'int32' }];
    this.parallel = this.threads > 1
      ? new DataParallelStep({
        step: { module: import.meta.url, name: 'transformerSliceStep' }, model: spec,
        params: this.params.map((p) => p.data), width: L * F, threads: this.threads, side,
      })
      : null;
    this.step = (x, rows, _batchRows, s) => sliceLossAndGrad(fused, x, rows, s);
  }

  /**
   * Loss and gradients of the batch, as `FusedTransformer.lossAndGrad(b, loss)`: every parameter's
   * `grad` is overwritten with dLoss/dparam. On several threads the batch's sequences are split
   * into contiguous slices; the loss is the sum of the slices' shares, the gradients the caller's
   * slice's plus each worker's in worker order (summation order is the only difference from one
   * thread).
   * @throws InvalidOptionError on several threads for a per-column loss mask (`loss.columns`), which is not split
   */
  lossAndGrad(b: FusedBatch, loss: FusedLoss): number {
    const { fused } = this.o;
    if (this.parallel === null || b.batch < 2) return fused.lossAndGrad(b, loss);
    if (loss.columns !== null) {
      throw new InvalidOptionError(`ParallelTransformerTrainer.lossAndGrad: loss.columns must be null on ${this.threads} threads, got a column mask`, 'columns');
    }
    const rows = b.batch * fused.len;
    let counted = 0;
    for (let r = 0; r < rows; r++) if (loss.positions === null || loss.positions[r] === 1) counted++;
    for (const p of this.params) gradOf(p);
    return this.parallel.step(b.x, b.batch, this.params.map((p) => p.grad!.data), this.step, {
      arrays: [loss.target === b.x ? null : loss.target, loss.positions, b.maskPositions ?? null],
      batchCount: loss.batchPositions ?? counted,
    });
  }

  /** Lets the worker threads go (they stay in the pool for other work). */
  close(): void {
    this.parallel?.close();
  }
}

/** One slice's step, the same code on the caller and in the workers (so a stolen slice gives the same bits). */
function sliceLossAndGrad(fused: FusedTransformer, x: Float32Array, rows: number, side: SliceSide): number {
  const { arrays, batchCount } = side;
  return fused.lossAndGrad(
    { x, batch: rows, maskPositions: arrays[MASK] as Int32Array | null },
    { target: (arrays[TARGET] as Float32Array | null) ?? x, positions: arrays[POSITIONS] as Uint8Array | null, columns: null, batchPositions: batchCount },
  );
}

/**
 * The worker side ({@link SliceStepFactory} of ../tensor/threads/data-parallel.ts): a network of
 * the same shape whose parameters are refreshed from the flat parameter vector at each step, its
 * gradients copied into the worker's flat gradient vector.
 */
export function transformerSliceStep(model: unknown, params: Float32Array, grads: Float32Array): SliceStep {
  const s = model as TransformerSpec;
  const rng = new Random(0);
  const zeros = (shape: number[]): Var => new Var(new Tensor(new Float32Array(shape.reduce((a, n) => a * n, 1)), shape), { requiresGrad: true });
  const parts: FusedTransformerParts = {
    embed: new Linear(s.inputDim, s.dModel, rng),
    posEmbedding: zeros([s.len, s.dModel]),
    ...(s.maskToken ? { maskEmbedding: zeros([s.dModel]) } : {}),
    layers: s.layers.map((l) => new TransformerEncoderLayer({ dModel: s.dModel, ...l, dropout: 0, rng })),
    head: new Linear(s.dModel, s.inputDim, rng),
  };
  const fused = new FusedTransformer(parts, { len: s.len, causal: s.causal });
  const own = fusedParameters(parts);
  return (x, rows, _batchRows, side) => {
    let at = 0;
    for (const p of own) {
      p.data.set(params.subarray(at, at + p.size));
      at += p.size;
    }
    const loss = sliceLossAndGrad(fused, x, rows, side);
    at = 0;
    for (const p of own) {
      grads.set(p.grad!.data, at);
      at += p.size;
    }
    return loss;
  };
}
