/**
 * Forest scoring split by rows across threads (../tensor/threads/parallel-rows.ts): each worker
 * holds a copy of the compiled trees and sums its rows' path lengths, so the sums equal the
 * calling thread's, row for row.
 */
import { addDepthSums, type CompiledForest } from '../model-spec/index.js';
import { ParallelRows, type RowWork } from '../tensor/index.js';

const sessions = new WeakMap<CompiledForest, ParallelRows>();
const closeWith = new FinalizationRegistry<ParallelRows>((rows) => rows.close());

/** Fills `out [rows]` (zeroed) with the path-length sums of `x [rows, cols]` on `threads` threads. */
export function parallelDepthSums(f: CompiledForest, x: Float32Array, out: Float64Array, o: { rows: number; cols: number; threads: number }): void {
  let session = sessions.get(f);
  if (session === undefined) {
    session = new ParallelRows({
      task: { module: import.meta.url, name: 'forestRowTask' }, init: { forest: f, cols: o.cols },
      width: o.cols, outWidth: 1, outType: 'float64', threads: o.threads, minRowsPerThread: 1024,
    });
    sessions.set(f, session);
    closeWith.register(f, session);
  }
  session.run(x, o.rows, out, (xs, rows, part) => addDepthSums(f, { x: xs, rows, cols: o.cols }, part as Float64Array));
}

/** The worker side: the compiled trees sent once per session. */
export function forestRowTask(init: unknown): RowWork {
  const { forest, cols } = init as { forest: CompiledForest; cols: number };
  return (x, rows, out) => {
    out.fill(0);
    addDepthSums(forest, { x, rows, cols }, out as Float64Array);
  };
}
