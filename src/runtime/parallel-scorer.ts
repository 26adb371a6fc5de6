/**
 * Batch scoring with an ONNX model on several threads: rows are split across the calling thread and
 * the pool's workers (../tensor/threads/parallel-rows.ts), each thread running its own copy of the
 * model loaded from the same bytes. Rows are scored independently, so the scores equal
 * `model.run`'s on the whole batch; with `threads: 1` it is `model.run` on the calling thread.
 */
import { DataError, ShapeError } from '../errors.js';
import type { Limits } from '../limits.js';
// A namespace: the runtime bundle loads the thread pool on its first use (tools/bundle-runtime.ts).
import * as rowThreads from '../tensor/row-threads.js';
import { loadOnnx } from './load-onnx.js';
import type { OnnxModel } from './onnx-model.js';

/** Options of {@link ParallelScorer}. */
export interface ParallelScorerOptions {
  /** Threads, the calling one included: 'auto' (every core up to 4) or a count. Default 'auto'. */
  threads?: rowThreads.ThreadsOption;
  /** The output holding one value per row. Default 'score', else the first output. */
  output?: string;
  /** Overrides of the default limits (src/limits.ts) for loading the model, here and in each worker. */
  limits?: Partial<Limits>;
}

export class ParallelScorer {
  readonly model: OnnxModel;
  readonly threads: number;
  private readonly output: string;
  private readonly limits: Partial<Limits>;
  private parallel: rowThreads.ParallelRows | null = null;
  private width = 0;

  /**
   * @param bytes the ONNX model, taking one `[batch, D]` float input
   * @throws as `loadOnnx`; InvalidOptionError for a bad thread count
   */
  constructor(private readonly bytes: Uint8Array, options: ParallelScorerOptions = {}) {
    this.limits = options.limits ?? {};
    this.model = loadOnnx(bytes, { limits: this.limits });
    this.threads = rowThreads.resolveThreads(options.threads, 'ParallelScorer: threads');
    this.output = options.output ?? (this.model.outputNames.includes('score') ? 'score' : this.model.outputNames[0]!);
  }

  /**
   * One value per row of `x [rows, D]` (row-major, first `rows * D` values).
   * @returns `[rows]`, written into `out` when given
   * @throws ShapeError when x does not hold whole rows; DataError for NaN/Inf or a model output not of one value per row
   */
  score(x: Float32Array, rows: number, out = new Float32Array(rows)): Float32Array {
    if (!Number.isInteger(rows) || rows < 1 || x.length % rows !== 0) {
      throw new ShapeError(`ParallelScorer.score: x must hold rows x D values, got ${x.length} values for rows ${rows}`, 'score');
    }
    const width = x.length / rows;
    const local = onnxRows(this.model, this.output, width);
    if (this.threads === 1) {
      local(x, rows, out);
      return out;
    }
    if (this.parallel === null || width !== this.width) {
      this.parallel?.close();
      this.width = width;
      this.parallel = new rowThreads.ParallelRows({
        task: { module: import.meta.url, name: 'onnxRowTask' },
        init: { bytes: this.bytes, output: this.output, width, limits: this.limits },
        width, outWidth: 1, outType: 'float32', threads: this.threads,
      });
    }
    this.parallel.run(x, rows, out, local);
    return out;
  }

  /** Lets the worker threads go (they stay in the pool for other work). */
  close(): void {
    this.parallel?.close();
    this.parallel = null;
  }
}

/** Scores rows with `model.run`, copying the chosen output (one value per row) into `out`. */
function onnxRows(model: OnnxModel, output: string, width: number): rowThreads.RowWork {
  const input = model.inputNames[0]!;
  return (x, rows, out) => {
    const result = model.run({ [input]: { data: x.subarray(0, rows * width), shape: [rows, width] } })[output]!;
    if (result.data.length !== rows) {
      throw new DataError(`ParallelScorer.score: output "${output}" must hold one value per row (${rows}), got shape [${result.shape.join(',')}]`, output);
    }
    out.set(result.data as Float32Array);
  };
}

/** The worker side: the model loaded from the session's bytes. */
export function onnxRowTask(init: unknown): rowThreads.RowWork {
  const { bytes, output, width, limits } = init as { bytes: Uint8Array; output: string; width: number; limits: Partial<Limits> };
  return onnxRows(loadOnnx(bytes, { limits }), output, width);
}
