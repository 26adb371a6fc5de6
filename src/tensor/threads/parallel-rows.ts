/**
 * Batch work split by rows across threads: scoring a batch (an ONNX model, a forest, an
 * autoencoder) where each row's result depends on that row alone, so splitting changes no number.
 * The calling thread takes the first slice; each worker gets a contiguous slice copied into its
 * input block of the shared heap and writes its results to its output block, which the caller
 * copies into place. A slice its worker has not taken by the time the caller's own is done is
 * run by the caller (ThreadSession.run's `steal`), so a slow-to-wake worker never makes the batch
 * wait. A {@link RowTaskFactory} exported by some module builds the per-row work in a
 * worker from a structured-cloneable `init` (e.g. the model's bytes).
 */
import { heapBuffer } from '../wasm/heap.js';
import { importTask, type TaskContext, type TaskRef } from './session.js';
import { SizedSession } from './sized-session.js';

/** Per-row work over `x [rows, width]` into `out [rows, outWidth]`. */
export type RowWork = (x: Float32Array, rows: number, out: Float32Array | Float64Array) => void;

/** Builds a worker's {@link RowWork} from the session's `init`. */
export type RowTaskFactory = (init: unknown) => RowWork | Promise<RowWork>;

/** Options of {@link ParallelRows}. */
export interface ParallelRowsOptions {
  /** The module and export name of the {@link RowTaskFactory}. */
  task: TaskRef;
  init: unknown;
  /** Floats per input row and values per output row. */
  width: number;
  outWidth: number;
  /** Element type of the output. */
  outType: 'float32' | 'float64';
  /** Threads, the calling one included (>= 2). */
  threads: number;
  /** Below this many rows per thread the whole batch stays on the calling thread. Default 256. */
  minRowsPerThread?: number;
}

interface RowsInit {
  task: TaskRef;
  init: unknown;
  width: number;
  outWidth: number;
  outType: 'float32' | 'float64';
  inputs: number[];
  outputs: number[];
}

export class ParallelRows {
  private readonly sized: SizedSession<RowsInit>;

  constructor(private readonly o: ParallelRowsOptions) {
    const { task, init, width, outWidth, outType } = o;
    const outFloats = (rows: number): number => rows * outWidth * (outType === 'float32' ? 1 : 2);
    // Blocks: per worker its inputs, then per worker its outputs.
    this.sized = new SizedSession({ module: import.meta.url, name: 'rowsTask' }, o.threads, (w, rows) => ({
      lengths: [...new Array<number>(w).fill(rows * width), ...new Array<number>(w).fill(outFloats(rows))],
      init: (at) => ({ task, init, width, outWidth, outType, inputs: at.slice(0, w), outputs: at.slice(w) }),
    }), 1024);
  }

  /**
   * Runs the rows: `local` on the caller's slice (it must write `out` rows [0, its rows)), the task
   * on the others.
   */
  run(x: Float32Array, rows: number, out: Float32Array | Float64Array, local: RowWork): void {
    const threads = Math.min(this.o.threads, Math.floor(rows / (this.o.minRowsPerThread ?? 256)));
    const per = Math.ceil(rows / Math.max(1, threads));
    if (threads < 2 || !this.sized.ready(per)) {
      local(x, rows, out);
      return;
    }
    const session = this.sized.session!;
    const layout = this.sized.init!;
    const { width, outWidth } = this.o;
    const heap = new Float32Array(heapBuffer());
    const counts = session.workers.map((_, w) => Math.max(0, Math.min(per, rows - (w + 1) * per)));
    counts.forEach((count, w) => {
      const start = (w + 1) * per;
      session.argsOf(w)[0] = count;
      if (count > 0) heap.set(x.subarray(start * width, (start + count) * width), layout.inputs[w]! >> 2);
    });
    // A slice the caller runs itself (its worker had not taken it) is written into place directly.
    const stolen = counts.map(() => false);
    session.run(() => local(x.subarray(0, per * width), per, out.subarray(0, per * outWidth)), (w) => {
      stolen[w] = true;
      const start = (w + 1) * per;
      if (counts[w]! > 0) local(x.subarray(start * width, (start + counts[w]!) * width), counts[w]!, out.subarray(start * outWidth, (start + counts[w]!) * outWidth));
    });
    const outBytes = this.o.outType === 'float32' ? 4 : 8;
    counts.forEach((count, w) => {
      if (count === 0 || stolen[w]!) return;
      const start = (w + 1) * per;
      const src = outBytes === 4
        ? new Float32Array(heapBuffer(), layout.outputs[w]!, count * outWidth)
        : new Float64Array(heapBuffer(), layout.outputs[w]!, count * outWidth);
      out.set(src, start * outWidth);
    });
  }

  /** Ends the session and frees its heap blocks (the workers stay in the pool). */
  close(): void {
    this.sized.close();
  }
}

/** The worker side of {@link ParallelRows}: per call, `args[0]` rows from this worker's input block. */
export async function rowsTask(init: unknown, ctx: TaskContext): Promise<() => void> {
  const r = init as RowsInit;
  const work = await (await importTask<RowTaskFactory>(r.task))(r.init);
  const input = r.inputs[ctx.worker]!;
  const output = r.outputs[ctx.worker]!;
  return () => {
    const rows = ctx.args[0]!;
    if (rows === 0) return;
    const x = new Float32Array(heapBuffer(), input, rows * r.width);
    const out = r.outType === 'float32'
      ? new Float32Array(heapBuffer(), output, rows * r.outWidth)
      : new Float64Array(heapBuffer(), output, rows * r.outWidth);
    work(x, rows, out);
  };
}
