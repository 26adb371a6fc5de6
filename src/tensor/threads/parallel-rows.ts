/**
 * Batch work split by rows across threads: scoring a batch (an ONNX model, a forest, an
 * autoencoder) where each row's result depends on that row alone, so splitting changes no number.
 * The calling thread takes the first slice; each worker gets a contiguous slice copied into its
 * input block of the shared heap and writes its results to its output block, which the caller
 * copies into place. A {@link RowTaskFactory} exported by some module builds the per-row work in a
 * worker from a structured-cloneable `init` (e.g. the model's bytes).
 */
import { heapBuffer, heapFloat32, heapFree, isHeapArray } from '../wasm/heap.js';
import { poolWorkers } from './pool.js';
import { ThreadSession, type TaskContext, type TaskRef } from './session.js';

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
  private session: ThreadSession | null = null;
  private layout: RowsInit | null = null;
  private capacity = 0;
  private blocks: Float32Array[] = [];

  constructor(private readonly o: ParallelRowsOptions) {}

  /**
   * Runs the rows: `local` on the caller's slice (it must write `out` rows [0, its rows)), the task
   * on the others.
   */
  run(x: Float32Array, rows: number, out: Float32Array | Float64Array, local: RowWork): void {
    const threads = Math.min(this.o.threads, Math.floor(rows / (this.o.minRowsPerThread ?? 256)));
    const per = Math.ceil(rows / Math.max(1, threads));
    if (threads < 2 || !this.ready(per)) {
      local(x, rows, out);
      return;
    }
    const session = this.session!;
    const layout = this.layout!;
    const { width, outWidth } = this.o;
    const heap = new Float32Array(heapBuffer());
    const counts = session.workers.map((_, w) => Math.max(0, Math.min(per, rows - (w + 1) * per)));
    counts.forEach((count, w) => {
      const start = (w + 1) * per;
      session.argsOf(w)[0] = count;
      if (count > 0) heap.set(x.subarray(start * width, (start + count) * width), layout.inputs[w]! >> 2);
    });
    session.run(() => local(x.subarray(0, per * width), per, out.subarray(0, per * outWidth)));
    const outBytes = this.o.outType === 'float32' ? 4 : 8;
    counts.forEach((count, w) => {
      if (count === 0) return;
      const start = (w + 1) * per;
      const src = outBytes === 4
        ? new Float32Array(heapBuffer(), layout.outputs[w]!, count * outWidth)
        : new Float64Array(heapBuffer(), layout.outputs[w]!, count * outWidth);
      out.set(src, start * outWidth);
    });
  }

  /** Ends the session and frees its heap blocks (the workers stay in the pool). */
  close(): void {
    this.session?.close();
    this.session = null;
    this.blocks.forEach(heapFree);
    this.blocks = [];
    this.capacity = 0;
  }

  private ready(sliceRows: number): boolean {
    if (this.session !== null && sliceRows <= this.capacity) return true;
    this.close();
    const workers = poolWorkers(this.o.threads - 1);
    if (workers.length === 0) return false;
    const capacity = Math.max(sliceRows, 1024);
    const outFloats = capacity * this.o.outWidth * (this.o.outType === 'float32' ? 1 : 2);
    const inputs = workers.map(() => heapFloat32(capacity * this.o.width));
    const outputs = workers.map(() => heapFloat32(outFloats));
    this.blocks = [...inputs, ...outputs];
    if (!this.blocks.every(isHeapArray)) {
      this.close();
      return false;
    }
    const { task, init, width, outWidth, outType } = this.o;
    this.layout = { task, init, width, outWidth, outType, inputs: inputs.map((b) => b.byteOffset), outputs: outputs.map((b) => b.byteOffset) };
    this.session = new ThreadSession({ module: import.meta.url, name: 'rowsTask' }, this.layout, workers);
    this.capacity = capacity;
    return true;
  }
}

/** The worker side of {@link ParallelRows}: per call, `args[0]` rows from this worker's input block. */
export async function rowsTask(init: unknown, ctx: TaskContext): Promise<() => void> {
  const r = init as RowsInit;
  const module = (await import(r.task.module)) as Record<string, RowTaskFactory>;
  const factory = module[r.task.name];
  if (typeof factory !== 'function') throw new Error(`${r.task.module} has no row task named ${r.task.name}`);
  const work = await factory(r.init);
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
