/**
 * Synchronous data-parallel training steps. A batch's rows are split into one contiguous slice per
 * thread; the calling thread computes its slice's gradients into the model's own gradient buffers,
 * each worker its slice's into a gradient block of the shared heap, from a copy of the parameters
 * made at the start of the step; then the caller adds the workers' blocks to its gradients in worker
 * order. The loss and gradients are the full batch's (each slice is normalized by the batch's row
 * count), the same math as one thread; only the summation order over rows differs (per slice, then
 * across slices), so results agree with one thread to float32 rounding and are deterministic for a
 * given thread count. A worker's slice that the worker has not taken by the time the caller's own
 * is done may be computed by the caller instead (into the worker's gradient block, same numbers),
 * so a worker slow to wake never makes the step wait (see ./session.ts).
 *
 * The model-specific part is a {@link SliceStepFactory} exported by some module (e.g.
 * nn/parallel-mlp.ts): it builds, in a worker, a step over flat views of the parameters and of the
 * worker's gradients, so any model that can compute the gradients of a slice of its batch into a
 * given buffer plugs in.
 */
import { heapBuffer } from '../wasm/heap.js';
import { importTask, type TaskContext, type TaskRef } from './session.js';
import { SizedSession } from './sized-session.js';

/** A step over a slice: `x [rows, width]` of a batch of `batchRows`; returns the slice's share of the loss. */
export type SliceStep = (x: Float32Array, rows: number, batchRows: number) => number;

/**
 * Builds the worker-side step: `params` is the flat parameter vector (every parameter array of the
 * model, concatenated in order), `grads` the worker's flat gradient vector of the same layout, which
 * the step overwrites.
 */
export type SliceStepFactory = (model: unknown, params: Float32Array, grads: Float32Array) => SliceStep | Promise<SliceStep>;

/** Options of {@link DataParallelStep}. */
export interface DataParallelOptions {
  /** The module and export name of the model's {@link SliceStepFactory}. */
  step: TaskRef;
  /** Structured-cloneable description of the model, handed to the factory in each worker. */
  model: unknown;
  /** The model's parameter arrays, in the factory's flat order. */
  params: readonly Float32Array[];
  /** Floats per batch row. */
  width: number;
  /** Threads, the calling one included (>= 2; 1 means: do not use this class). */
  threads: number;
}

/** What the generic worker task ({@link gradientTask}) needs. */
interface GradientInit {
  step: TaskRef;
  model: unknown;
  /** heap byte addresses: the flat parameters, this session's gradient blocks and input blocks by worker */
  params: number;
  paramCount: number;
  grads: number[];
  inputs: number[];
  width: number;
}

export class DataParallelStep {
  private readonly sized: SizedSession<GradientInit>;
  private readonly paramCount: number;
  /** The caller's slice gradients while it computes a worker's slice (see stealSlice). */
  private kept: Float32Array | null = null;

  constructor(private readonly o: DataParallelOptions) {
    const paramCount = o.params.reduce((n, p) => n + p.length, 0);
    this.paramCount = paramCount;
    // Blocks: the shared parameters, then per worker its gradients, then per worker its inputs.
    this.sized = new SizedSession({ module: import.meta.url, name: 'gradientTask' }, o.threads, (w, rows) => ({
      lengths: [paramCount, ...new Array<number>(w).fill(paramCount), ...new Array<number>(w).fill(rows * o.width)],
      init: (at) => ({ step: o.step, model: o.model, params: at[0]!, paramCount, grads: at.slice(1, 1 + w), inputs: at.slice(1 + w), width: o.width }),
    }));
  }

  /** Worker threads in use (0: none could start, every step runs on the calling thread). */
  get workers(): number {
    return this.sized.session?.workers.length ?? 0;
  }

  /**
   * One step over `x [rows, width]`: `local` computes the caller's slice into the model's gradient
   * arrays `grads` (same order and sizes as the parameters, overwriting them); the workers' gradients
   * are added to them. `local` must compute what the factory's worker step computes for the same
   * rows, bit for bit: the caller also runs it on a worker's slice that the worker has not taken in
   * time (ThreadSession.run's `steal`), and the batch's numbers must not depend on who ran it.
   * @returns the batch's loss (the sum of the slices' shares)
   */
  step(x: Float32Array, rows: number, grads: readonly Float32Array[], local: SliceStep): number {
    const threads = Math.min(this.o.threads, rows);
    const per = Math.ceil(rows / threads);
    if (threads < 2 || !this.sized.ready(per)) return local(x, rows, rows);
    const session = this.sized.session!;
    const init = this.sized.init!;
    const heap = new Float32Array(heapBuffer());
    let at = init.params >> 2;
    for (const p of this.o.params) {
      heap.set(p, at);
      at += p.length;
    }
    // Slices: the caller takes rows [0, per), worker w rows [(w + 1) per, (w + 2) per) (fewer at the end).
    const width = this.o.width;
    for (let w = 0; w < session.workers.length; w++) {
      const start = (w + 1) * per;
      const count = Math.max(0, Math.min(per, rows - start));
      const args = session.argsOf(w);
      args[0] = count;
      args[1] = rows;
      if (count > 0) heap.set(x.subarray(start * width, (start + count) * width), init.inputs[w]! >> 2);
    }
    let loss = 0;
    session.run(() => {
      loss = local(x, Math.min(per, rows), rows);
    }, (w) => this.stealSlice({ w, x, batchRows: rows, start: (w + 1) * per, grads, local }));
    for (let w = 0; w < session.workers.length; w++) {
      if (session.argsOf(w)[0]! === 0) continue;
      loss += session.argsOf(w)[2]!;
      let g = init.grads[w]! >> 2;
      for (const dst of grads) {
        for (let i = 0; i < dst.length; i++) dst[i] += heap[g + i]!;
        g += dst.length;
      }
    }
    return loss;
  }

  /**
   * Worker w's slice on the calling thread (the worker had not taken it when the caller's own slice
   * was done): `local` computes it into `grads`, which hold the caller's slice meanwhile kept aside,
   * and the result goes where the worker would have left it (its gradient block, its loss slot).
   * `local` and the worker's step are the same code over the same parameter values, so the batch's
   * numbers do not depend on which thread computed the slice.
   */
  private stealSlice(s: { w: number; x: Float32Array; batchRows: number; start: number; grads: readonly Float32Array[]; local: SliceStep }): void {
    const args = this.sized.session!.argsOf(s.w);
    const count = args[0]!;
    if (count === 0) return;
    this.kept ??= new Float32Array(this.paramCount);
    let k = 0;
    for (const g of s.grads) {
      this.kept.set(g, k);
      k += g.length;
    }
    args[2] = s.local(s.x.subarray(s.start * this.o.width), count, s.batchRows);
    const heap = new Float32Array(heapBuffer());
    let at = this.sized.init!.grads[s.w]! >> 2;
    k = 0;
    for (const g of s.grads) {
      heap.set(g, at);
      g.set(this.kept.subarray(k, k + g.length));
      at += g.length;
      k += g.length;
    }
  }

  /** Ends the session (the workers stay in the pool). */
  close(): void {
    this.sized.close();
  }
}

/**
 * The worker side of {@link DataParallelStep}: builds the model's slice step over this worker's
 * views and, per call, runs it on `args[0]` rows of its input block (batch of `args[1]` rows),
 * leaving the loss share in `args[2]`.
 */
export async function gradientTask(init: unknown, ctx: TaskContext): Promise<() => void> {
  const g = init as GradientInit;
  const factory = await importTask<SliceStepFactory>(g.step);
  const view = (at: number, length: number): Float32Array => new Float32Array(heapBuffer(), at, length);
  const step = await factory(g.model, view(g.params, g.paramCount), view(g.grads[ctx.worker]!, g.paramCount));
  const input = g.inputs[ctx.worker]!;
  return () => {
    const rows = ctx.args[0]!;
    if (rows === 0) return;
    ctx.args[2] = step(view(input, rows * g.width), rows, ctx.args[1]!);
  };
}
