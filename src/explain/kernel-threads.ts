/**
 * Worker threads that share the SIMD kernel's chunks of masks with the calling thread, so the
 * synchronous `shapleyValues` uses every core. Each worker instantiates the same compiled module on
 * its own shared memory, into which the caller has written the inputs. The chunks are claimed one at
 * a time from a shared counter (`Atomics.add`), and each records who computed it, so a slow or
 * not-yet-started worker simply gets fewer chunks: the caller never waits for more than the chunks a
 * worker has in hand. Workers are created on first use, kept for later rows and `unref`ed, so they
 * never keep a process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * One call's shared state, `Int32Array` over a SharedArrayBuffer: [0] the next unclaimed chunk,
 * [1 + w] worker w's flag (0 running, 1 done, 2 failed), [1 + W + c] chunk c's state: -1 not yet
 * marked, -(w + 2) in worker w's hands, then who computed it (0 the caller, w + 1 worker w).
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
      Atomics.store(board, 1 + workers + c, -(worker + 2));
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

/** How long the caller waits for a worker's chunk in hand before doing it itself. */
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

/** One worker thread of the pool. */
export class KernelThread {
  private readonly worker: Worker;
  private readonly loaded = new Set<string>();
  private failed = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('error', () => {
      this.failed = true;
    });
    this.worker.unref();
  }

  /** False once the worker has failed or timed out; it then gets no more work. */
  get usable(): boolean {
    return !this.failed;
  }

  /** Starts claiming chunks of `job` (sending the module the first time this worker sees its key). */
  submit(job: KernelJob): void {
    const first = !this.loaded.has(job.key);
    this.loaded.add(job.key);
    const { module, memory, ...rest } = job;
    this.worker.postMessage(first ? job : rest);
  }

  /** Blocks until the worker has raised its flag for this call; false when it failed or timed out. */
  wait(board: ChunkBoard, worker: number): boolean {
    Atomics.wait(board, 1 + worker, 0, WAIT_MS);
    const ok = Atomics.load(board, 1 + worker) === 1;
    if (!ok) this.failed = true;
    return ok;
  }

  /** Lets the worker drop a kernel the caller no longer caches. */
  forget(key: string): void {
    if (this.loaded.delete(key)) this.worker.postMessage({ forget: key });
  }
}

const pool: KernelThread[] = [];

/** Threads a kernel may use by default: every core, at most 4. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Up to `count` usable workers, created on first use. */
export function kernelThreads(count: number): KernelThread[] {
  if (typeof SharedArrayBuffer === 'undefined') return [];
  while (pool.length < count) pool.push(new KernelThread());
  return pool.slice(0, count).filter((t) => t.usable);
}

/** Every worker created so far (to tell them a kernel was dropped). */
export function allKernelThreads(): readonly KernelThread[] {
  return pool;
}
