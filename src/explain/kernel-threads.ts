/**
 * The SIMD coalition kernel's chunks of masks shared between the calling thread and the process's
 * worker threads (../tensor/threads/), so the synchronous `shapleyValues` uses every core. Each
 * worker instantiates the same compiled module on its own memory, into which the caller has copied
 * the inputs. A chunk is claimed by a compare-and-swap on its state in a shared board (a counter
 * only spreads the attempts), so every chunk has exactly one owner and a slow or still-starting
 * worker simply claims fewer. A worker that fails, or is ended for holding a chunk too long, leaves
 * its unfinished chunks to the caller, which computes them itself: the values never depend on who
 * computed what.
 */
import { MEMORY_IMPORT, resolveThreads, type TaskContext, type TaskRef } from '../tensor/index.js';

/**
 * One kernel's shared state, an `Int32Array`: [0] the claim counter, [1 + c] chunk c's state: -1
 * unclaimed, 0 the caller's, -(w + 2) in worker w's hands, w + 1 computed by worker w.
 */
export type ChunkBoard = Int32Array;

/** What a worker needs for one kernel (the session's init). */
export interface ChunkJob {
  module: WebAssembly.Module;
  /** by worker: the memory it runs the module on */
  memories: WebAssembly.Memory[];
  board: ChunkBoard;
  chunks: number;
  steps: number;
  masks: number;
}

/** Threads a kernel may use by default: every core, at most 4 (the tensor pool's 'auto'). */
export function defaultThreads(): number {
  return resolveThreads('auto');
}

/**
 * Claims and runs chunks until none is left: `run(t0, t1)` evaluates masks [t0, t1); a claimed
 * chunk's state is `holding` while it runs and `done` after.
 */
export function claimChunks(job: Omit<ChunkJob, 'module' | 'memories'>, run: (t0: number, t1: number) => void, holding: number, done: number): void {
  const { board, chunks, steps, masks } = job;
  for (let c = Atomics.add(board, 0, 1); c < chunks; c = Atomics.add(board, 0, 1)) {
    if (Atomics.compareExchange(board, 1 + c, -1, holding) !== -1) continue;
    run(c * steps, Math.min(masks, (c + 1) * steps));
    Atomics.store(board, 1 + c, done);
  }
}

/** The session task of {@link coalitionChunkTask}. */
export const COALITION_TASK: TaskRef = { module: import.meta.url, name: 'coalitionChunkTask' };

/** The worker side (a tensor/threads task): the kernel instantiated once on this worker's memory. */
export function coalitionChunkTask(init: unknown, ctx: TaskContext): () => void {
  const job = init as ChunkJob;
  const instance = new WebAssembly.Instance(job.module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.field]: job.memories[ctx.worker]! } });
  const run = instance.exports['run'] as (t0: number, t1: number) => void;
  return () => claimChunks(job, run, -(ctx.worker + 2), ctx.worker + 1);
}
