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
 * given buffer plugs in. A batch may carry per-row side inputs besides its rows (a step's targets,
 * its loss masks: {@link DataParallelOptions.side}); each is split with the rows, and the batch's
 * loss normaliser (`batchCount`, e.g. its count of masked positions) reaches every slice, so a loss
 * normalized by what the whole batch counts stays the batch's however the rows fall.
 */
import { InvalidOptionError } from '../../errors.js';
import { heapBuffer } from '../wasm/heap.js';
import { ARG_SLOTS, importTask, type TaskContext, type TaskRef } from './session.js';
import { SizedSession } from './sized-session.js';

/** A per-row side input's values, as the batch holds them and a slice sees its rows of them. */
export type RowArray = Float32Array | Int32Array | Uint8Array;

/** A per-row side input of the batches (a target, a loss mask): `width` values per row of one type. */
export interface RowInput {
  width: number;
  type: 'float32' | 'int32' | 'uint8';
}

/** What a slice step gets besides its rows: its rows of the side inputs, and the batch's normaliser. */
export interface SliceSide {
  /** Per {@link DataParallelOptions.side} entry: the slice's rows `[rows, width]`, or null when this batch has none. */
  arrays: readonly (RowArray | null)[];
  /** The batch's loss normaliser given to {@link DataParallelStep.step} (default: the batch's rows). */
  batchCount: number;
}

/**
 * A step over a slice: `x [rows, width]` of a batch of `batchRows`; returns the slice's share of the
 * loss. Steps without side inputs may ignore `side`.
 */
export type SliceStep = (x: Float32Array, rows: number, batchRows: number, side: SliceSide) => number;

/** One batch's side inputs for {@link DataParallelStep.step}. */
export interface BatchSide {
  /** Per {@link DataParallelOptions.side} entry: `[rows, width]` (or longer), or null for none this batch. */
  arrays?: readonly (RowArray | null)[];
  /** The batch's loss normaliser handed to every slice. Default: the batch's rows. */
  batchCount?: number;
}

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
  /** Per-row side inputs every batch may carry, split with its rows (at most {@link MAX_SIDE_INPUTS}). Default none. */
  side?: readonly RowInput[];
}

/** Argument slots of a call: rows, batch rows, loss share, batch count, then one presence flag per side input. */
const ROWS = 0, BATCH_ROWS = 1, LOSS = 2, BATCH_COUNT = 3, SIDE_FLAGS = 4;
export const MAX_SIDE_INPUTS = ARG_SLOTS - SIDE_FLAGS;

const BYTES: Record<RowInput['type'], number> = { float32: 4, int32: 4, uint8: 1 };

/** A view of `length` values of `type` at heap byte address `at`. */
function heapView(type: RowInput['type'], at: number, length: number): RowArray {
  const buffer = heapBuffer();
  if (type === 'int32') return new Int32Array(buffer, at, length);
  if (type === 'uint8') return new Uint8Array(buffer, at, length);
  return new Float32Array(buffer, at, length);
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
  side: readonly RowInput[];
  /** Per worker, per side input: the heap byte address of its block. */
  sides: number[][];
}

export class DataParallelStep {
  private readonly sized: SizedSession<GradientInit>;
  private readonly paramCount: number;
  /** The caller's slice gradients while it computes a worker's slice (see stealSlice). */
  private kept: Float32Array | null = null;

  private readonly side: readonly RowInput[];

  /** @throws InvalidOptionError for more than {@link MAX_SIDE_INPUTS} side inputs */
  constructor(private readonly o: DataParallelOptions) {
    const paramCount = o.params.reduce((n, p) => n + p.length, 0);
    this.paramCount = paramCount;
    const side = o.side ?? [];
    this.side = side;
    if (side.length > MAX_SIDE_INPUTS) throw new InvalidOptionError(`DataParallelStep: side inputs must number at most ${MAX_SIDE_INPUTS}, got ${side.length}`, 'side');
    // Blocks: the shared parameters, per worker its gradients, per worker its inputs, per worker its side inputs
    // (sized in float32 words, as every block is).
    this.sized = new SizedSession({ module: import.meta.url, name: 'gradientTask' }, o.threads, (w, rows) => ({
      lengths: [
        paramCount, ...new Array<number>(w).fill(paramCount), ...new Array<number>(w).fill(rows * o.width),
        ...Array.from({ length: w }, () => side.map((s) => Math.ceil((rows * s.width * BYTES[s.type]) / 4))).flat(),
      ],
      init: (at) => ({
        step: o.step, model: o.model, params: at[0]!, paramCount, grads: at.slice(1, 1 + w), inputs: at.slice(1 + w, 1 + 2 * w), width: o.width,
        side, sides: Array.from({ length: w }, (_, k) => at.slice(1 + 2 * w + k * side.length, 1 + 2 * w + (k + 1) * side.length)),
      }),
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
   * `batch` carries the batch's side inputs (in {@link DataParallelOptions.side} order) and loss
   * normaliser; each slice gets its rows of every side input.
   * @returns the batch's loss (the sum of the slices' shares)
   */
  step(x: Float32Array, rows: number, grads: readonly Float32Array[], local: SliceStep, batch: BatchSide = {}): number {
    const arrays = batch.arrays ?? [];
    const batchCount = batch.batchCount ?? rows;
    const threads = Math.min(this.o.threads, rows);
    const per = Math.ceil(rows / threads);
    if (threads < 2 || !this.sized.ready(per)) return local(x, rows, rows, { arrays: this.sliceOf(arrays, 0, rows), batchCount });
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
      args[ROWS] = count;
      args[BATCH_ROWS] = rows;
      args[BATCH_COUNT] = batchCount;
      if (count > 0) heap.set(x.subarray(start * width, (start + count) * width), init.inputs[w]! >> 2);
      this.side.forEach((s, i) => {
        const a = arrays[i] ?? null;
        args[SIDE_FLAGS + i] = a === null ? 0 : 1;
        if (a !== null && count > 0) heapView(s.type, init.sides[w]![i]!, count * s.width).set(a.subarray(start * s.width, (start + count) * s.width));
      });
    }
    let loss = 0;
    session.run(() => {
      const own = Math.min(per, rows);
      loss = local(x, own, rows, { arrays: this.sliceOf(arrays, 0, own), batchCount });
    }, (w) => this.stealSlice({ w, x, arrays, batchRows: rows, batchCount, start: (w + 1) * per, grads, local }));
    for (let w = 0; w < session.workers.length; w++) {
      if (session.argsOf(w)[ROWS]! === 0) continue;
      loss += session.argsOf(w)[LOSS]!;
      let g = init.grads[w]! >> 2;
      for (const dst of grads) {
        for (let i = 0; i < dst.length; i++) dst[i] += heap[g + i]!;
        g += dst.length;
      }
    }
    return loss;
  }

  /** Rows [start, start + count) of each side input (null stays null). */
  private sliceOf(arrays: readonly (RowArray | null)[], start: number, count: number): (RowArray | null)[] {
    return this.side.map((s, i) => arrays[i]?.subarray(start * s.width, (start + count) * s.width) ?? null);
  }

  /**
   * Worker w's slice on the calling thread (the worker had not taken it when the caller's own slice
   * was done): `local` computes it into `grads`, which hold the caller's slice meanwhile kept aside,
   * and the result goes where the worker would have left it (its gradient block, its loss slot).
   * `local` and the worker's step are the same code over the same parameter values, so the batch's
   * numbers do not depend on which thread computed the slice.
   */
  private stealSlice(s: {
    w: number; x: Float32Array; arrays: readonly (RowArray | null)[]; batchRows: number; batchCount: number;
    start: number; grads: readonly Float32Array[]; local: SliceStep;
  }): void {
    const args = this.sized.session!.argsOf(s.w);
    const count = args[ROWS]!;
    if (count === 0) return;
    this.kept ??= new Float32Array(this.paramCount);
    let k = 0;
    for (const g of s.grads) {
      this.kept.set(g, k);
      k += g.length;
    }
    const side = { arrays: this.sliceOf(s.arrays, s.start, count), batchCount: s.batchCount };
    args[LOSS] = s.local(s.x.subarray(s.start * this.o.width), count, s.batchRows, side);
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
 * views and, per call, runs it on `args[ROWS]` rows of its input and side blocks (batch of
 * `args[BATCH_ROWS]` rows), leaving the loss share in `args[LOSS]`.
 */
export async function gradientTask(init: unknown, ctx: TaskContext): Promise<() => void> {
  const g = init as GradientInit;
  const factory = await importTask<SliceStepFactory>(g.step);
  const view = (at: number, length: number): Float32Array => new Float32Array(heapBuffer(), at, length);
  const step = await factory(g.model, view(g.params, g.paramCount), view(g.grads[ctx.worker]!, g.paramCount));
  const input = g.inputs[ctx.worker]!;
  const sides = g.sides[ctx.worker]!;
  return () => {
    const rows = ctx.args[ROWS]!;
    if (rows === 0) return;
    const arrays = g.side.map((s, i) => (ctx.args[SIDE_FLAGS + i] === 1 ? heapView(s.type, sides[i]!, rows * s.width) : null));
    ctx.args[LOSS] = step(view(input, rows * g.width), rows, ctx.args[BATCH_ROWS]!, { arrays, batchCount: ctx.args[BATCH_COUNT]! });
  };
}
