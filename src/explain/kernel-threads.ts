/**
 * Worker threads that share the SIMD kernel's chunks of masks with the calling thread, so the
 * synchronous `shapleyValues` uses every core. Each worker instantiates the same compiled module on
 * its own shared memory, into which the caller has copied the inputs. A chunk is claimed by a
 * compare-and-swap on its state in a shared board (a counter only spreads the attempts), so every
 * chunk has exactly one owner: a slow or still-starting worker simply claims fewer, and the caller
 * waits only for chunks a worker actually holds. A worker that fails or holds a chunk for more than
 * 10 s is terminated and replaced; the caller computes that chunk itself.
 *
 * The pool is process-wide (threads are a process resource): workers are created on first use,
 * kept for later rows and `unref`ed so they never keep a process alive; {@link releaseKernelThreads}
 * ends them early.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * One call's shared state, an `Int32Array`: [0] the claim counter, [1 + w] worker w's flag (0
 * running, 1 done, 2 failed), [1 + W + c] chunk c's state: -1 unclaimed, 0 the caller's, -(w + 2)
 * in worker w's hands, w + 1 computed by worker w.
 */
export type ChunkBoard = Int32Array;

// The whole worker: instantiate a kernel once per key, claim and run chunks until none are left,
// then raise its flag. It holds no logic of its own, so it is kept as source text rather than a file
// the package would have to locate at run time.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const runs = new Map();
parentPort.on('message', (job) => {
  if (job.forget !== undefined) { runs.delete(job.forget); return; }
  const { board, worker, workers, chunks, steps, masks } = job;
  let status = 1;
  try {
    if (job.module !== undefined) runs.set(job.key, new WebAssembly.Instance(job.module, { env: { memory: job.memory } }).exports.run);
    const run = runs.get(job.key);
    for (let c = Atomics.add(board, 0, 1); c < chunks; c = Atomics.add(board, 0, 1)) {
      if (Atomics.compareExchange(board, 1 + workers + c, -1, -(worker + 2)) !== -1) continue;
      run(c * steps, Math.min(masks, (c + 1) * steps));
      Atomics.store(board, 1 + workers + c, worker + 1);
    }
  } catch {
    status = 2;
  }
  Atomics.store(board, 1 + worker, status);
  Atomics.notify(board, 1 + worker);
});
`;

/** How long the caller waits for a worker's chunk in hand before ending the worker and doing it itself. */
const WAIT_MS = 10_000;

/** What a worker needs for one call. */
export interface KernelJob {
  key: string;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  board: ChunkBoard;
  /** this worker's index w among the call's `workers` */
  worker: number;
  workers: number;
  chunks: number;
  steps: number;
  masks: number;
}

let nextId = 1;

/** One worker thread of the pool. */
export class KernelThread {
  /** Unique for the life of the process; a replacement thread gets a new one (and new memories). */
  readonly id = nextId++;
  private readonly worker: Worker;
  private readonly loaded = new Set<string>();
  private failed = false;

  /** @throws when the environment does not allow worker threads (e.g. Node's permission model) */
  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('error', () => {
      this.failed = true;
    });
    this.worker.unref();
  }

  /** False once the worker has failed or timed out. */
  get usable(): boolean {
    return !this.failed;
  }

  /** Starts claiming chunks of `job`; the module goes along the first time this worker sees its key. */
  submit(job: KernelJob): void {
    const first = !this.loaded.has(job.key);
    this.loaded.add(job.key);
    const { module, memory, ...rest } = job;
    this.worker.postMessage(first ? { ...rest, module, memory } : rest);
  }

  /**
   * Blocks until the worker has raised its flag for this call (it then holds no chunk); false, and
   * the worker is ended, when it failed or timed out.
   */
  wait(board: ChunkBoard, worker: number): boolean {
    if (!this.failed) Atomics.wait(board, 1 + worker, 0, WAIT_MS);
    const ok = !this.failed && Atomics.load(board, 1 + worker) === 1;
    if (!ok) this.end();
    return ok;
  }

  /** Lets the worker drop a kernel the caller no longer caches. */
  forget(key: string): void {
    if (this.loaded.delete(key)) this.worker.postMessage({ forget: key });
  }

  /** Ends the thread; it is not used again. */
  end(): void {
    this.failed = true;
    void this.worker.terminate();
  }
}

const pool: KernelThread[] = [];

/** Threads a kernel may use by default: every core, at most 4. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Up to `count` usable workers (at most one fewer than the cores), created or replaced on demand;
 * fewer, or none, when the environment refuses worker threads or shared memory.
 */
export function kernelThreads(count: number): KernelThread[] {
  if (typeof SharedArrayBuffer === 'undefined') return [];
  const want = Math.min(count, availableParallelism() - 1);
  for (let i = 0; i < pool.length; i++) if (!pool[i]!.usable) pool.splice(i--, 1);
  try {
    while (pool.length < want) pool.push(new KernelThread());
  } catch {
    // Worker threads are not allowed here: use the ones that started, if any.
  }
  return pool.slice(0, want);
}

/** Every live worker (to tell them a kernel was dropped). */
export function allKernelThreads(): readonly KernelThread[] {
  return pool;
}

/** Ends every worker of the pool; later calls start new ones when they need them. */
export function releaseKernelThreads(): void {
  for (const thread of pool.splice(0)) thread.end();
}
