/**
 * The autoencoder on several threads. Training steps (synchronous data parallelism, see
 * ../tensor/threads/data-parallel.ts): each thread runs the fused forward/backward
 * ({@link FusedMlp}) on its slice of the batch, the caller sums the gradients; with `threads: 1` it
 * is exactly `FusedMlp.lossAndGrad` on the calling thread. Scoring ({@link ParallelMlpScorer}):
 * rows split across threads, each row's score independent of the split.
 */
import { InvalidOptionError } from '../errors.js';
import { DataParallelStep, MlpForward, ParallelRows, Tensor, kernelBuffer, resolveThreads, type RowWork, type SliceStep, type ThreadsOption } from '../tensor/index.js';
import { FusedMlp, type Activation, type DenseLayer, type Parameter } from './fused-mlp.js';

/** Options of {@link ParallelMlpTrainer}. */
export interface ParallelMlpOptions {
  /** The MLP's parameters as `[w0, b0, w1, b1, ...]` (an Autoencoder's `parameters()`), `w [out, in]`. */
  params: readonly Parameter[];
  activation: Activation;
  /** Loss columns (1 = counted), or null for all. */
  lossMask: Uint8Array | null;
  /** Threads, the calling one included: 'auto' (every core up to 4) or a count. Default 'auto'. */
  threads?: ThreadsOption;
}

/** What a worker needs to rebuild the MLP over the shared parameter vector. */
interface MlpSpec {
  shapes: (readonly number[])[];
  activation: Activation;
  lossMask: number[] | null;
}

export class ParallelMlpTrainer {
  readonly threads: number;
  private readonly local: FusedMlp;
  private readonly parallel: DataParallelStep | null;
  private readonly step: SliceStep;

  /** @throws InvalidOptionError for params that are not weight/bias pairs, or a bad thread count */
  constructor(private readonly o: ParallelMlpOptions) {
    this.threads = resolveThreads(o.threads, 'ParallelMlpTrainer: threads');
    const { params } = o;
    checkPairs('ParallelMlpTrainer', params);
    this.local = new FusedMlp(layersOf(params), o.activation);
    const width = params[0]!.shape[1]!;
    const spec: MlpSpec = { shapes: params.map((p) => [...p.shape]), activation: o.activation, lossMask: o.lossMask === null ? null : Array.from(o.lossMask) };
    this.parallel = this.threads > 1
      ? new DataParallelStep({ step: { module: import.meta.url, name: 'mlpSliceStep' }, model: spec, params: params.map((p) => p.data), width, threads: this.threads })
      : null;
    this.step = (x, rows, batchRows) => this.local.lossAndGradSlice(x, rows, { batchRows, lossMask: o.lossMask });
  }

  /**
   * Loss and gradients of `batch [rows, in]` (first `rows * in` values), as
   * `Autoencoder.lossAndGrad`: every parameter's `grad` is overwritten with dLoss/dparam.
   */
  lossAndGrad(batch: Float32Array, rows: number): number {
    if (this.parallel === null || rows < 2) return this.local.lossAndGrad(batch, rows, this.o.lossMask);
    for (const p of this.o.params) p.grad ??= new Tensor(kernelBuffer(p.size), p.shape);
    return this.parallel.step(batch, rows, this.o.params.map((p) => p.grad!.data), this.step);
  }

  /** Lets the worker threads go (they stay in the pool for other work). */
  close(): void {
    this.parallel?.close();
  }
}

/** Pairs `[w0, b0, w1, b1, ...]` into dense layers. */
function layersOf(params: readonly Parameter[]): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let i = 0; i < params.length; i += 2) layers.push({ weight: params[i]!, bias: params[i + 1]! });
  return layers;
}

/**
 * The worker side ({@link SliceStepFactory} of ../tensor/threads/data-parallel.ts): the MLP rebuilt
 * over views of the flat parameter and gradient vectors.
 */
export function mlpSliceStep(model: unknown, params: Float32Array, grads: Float32Array): SliceStep {
  const spec = model as MlpSpec;
  let at = 0;
  const views: Parameter[] = spec.shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const p = { data: params.subarray(at, at + size), shape, size, grad: new Tensor(grads.subarray(at, at + size), shape) };
    at += size;
    return p;
  });
  const mlp = new FusedMlp(layersOf(views), spec.activation);
  const lossMask = spec.lossMask === null ? null : Uint8Array.from(spec.lossMask);
  return (x, rows, batchRows) => mlp.lossAndGradSlice(x, rows, { batchRows, lossMask });
}

/** Options of {@link ParallelMlpScorer}. */
export interface ParallelMlpScorerOptions {
  /** The MLP's parameters as `[w0, b0, w1, b1, ...]`, `w [out, in]` (read at each call). */
  params: readonly Parameter[];
  activation: Activation;
  /** Columns the score averages over (1 = counted), or null for all. */
  scoreMask: Uint8Array | null;
  /** Threads, the calling one included: 'auto' (every core up to 4) or a count. Default 'auto'. */
  threads?: ThreadsOption;
}

/**
 * The autoencoder's anomaly score, mean over the counted columns of `(reconstruction - x)^2` per
 * row, on several threads. Workers get the weights when a session opens: call {@link close} after
 * changing them (e.g. after more training) so the next call sends the new ones.
 */
export class ParallelMlpScorer {
  readonly threads: number;
  private readonly local: RowWork;
  private parallel: ParallelRows | null = null;

  /** @throws InvalidOptionError for params that are not weight/bias pairs, or a bad thread count */
  constructor(private readonly o: ParallelMlpScorerOptions) {
    this.threads = resolveThreads(o.threads, 'ParallelMlpScorer: threads');
    checkPairs('ParallelMlpScorer', o.params);
    this.local = mlpScoreRows(o.params, o.activation, o.scoreMask);
  }

  /**
   * Scores `x [rows, in]` (first `rows * in` values).
   * @returns `[rows]`, written into `out` when given
   */
  score(x: Float32Array, rows: number, out = new Float32Array(rows)): Float32Array {
    if (this.threads === 1) {
      this.local(x, rows, out);
      return out;
    }
    const width = this.o.params[0]!.shape[1]!;
    this.parallel ??= new ParallelRows({
      task: { module: import.meta.url, name: 'mlpScoreTask' },
      init: { shapes: this.o.params.map((p) => [...p.shape]), values: this.o.params.map((p) => p.data.slice()), activation: this.o.activation, mask: this.o.scoreMask === null ? null : Array.from(this.o.scoreMask) },
      width, outWidth: 1, outType: 'float32', threads: this.threads,
    });
    this.parallel.run(x, rows, out, this.local);
    return out;
  }

  /** Lets the workers go and forgets the weights they hold. */
  close(): void {
    this.parallel?.close();
    this.parallel = null;
  }
}

/** Scores rows with MlpForward's reconstruction error (Autoencoder.score's kernel) over the counted columns. */
function mlpScoreRows(params: readonly Parameter[], activation: Activation, mask: Uint8Array | null): RowWork {
  const net = new MlpForward(layersOf(params).map((l) => ({ weight: l.weight.data, bias: l.bias.data })), activation);
  const columns = mask === null ? null : Int32Array.from(Array.from(mask).flatMap((v, j) => (v === 1 ? [j] : [])));
  return (x, rows, out) => net.reconstructionError({ x, rows, columns, out });
}

/** The worker side of {@link ParallelMlpScorer}: the MLP rebuilt from copies of the weights. */
export function mlpScoreTask(init: unknown): RowWork {
  const spec = init as { shapes: number[][]; values: Float32Array[]; activation: Activation; mask: number[] | null };
  const params: Parameter[] = spec.shapes.map((shape, i) => ({ data: spec.values[i]!, shape, size: spec.values[i]!.length, grad: undefined }));
  return mlpScoreRows(params, spec.activation, spec.mask === null ? null : Uint8Array.from(spec.mask));
}

function checkPairs(where: string, params: readonly Parameter[]): void {
  if (params.length < 2 || params.length % 2 !== 0 || params.some((p, i) => p.shape.length !== (i % 2 === 0 ? 2 : 1))) {
    throw new InvalidOptionError(`${where}: params must be weight [out, in], bias [out] pairs, got shapes ${params.map((p) => `[${p.shape.join(',')}]`).join(' ')}`, 'params');
  }
}
