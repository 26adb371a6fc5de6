/**
 * Worker threads that run a share of the SIMD kernel's masks while the calling thread runs its own,
 * so the synchronous `shapleyValues` uses every core. Each worker instantiates the same compiled
 * module on its own shared memory; the caller writes the inputs into that memory, posts the mask
 * range, and blocks on an `Atomics.wait` flag until the worker is done. The workers are created on
 * first use, kept for later rows and `unref`ed, so they never keep a process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// The whole worker: instantiate a kernel once per key, run the posted mask range, raise the flag
// (1 done, 2 failed). It holds no logic of its own, so it is kept as source text rather than a file
// the package would have to locate at run time.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const done = workerData.done;
const runs = new Map();
parentPort.on('message', (job) => {
  if (job.forget !== undefined) { runs.delete(job.forget); return; }
  let status = 1;
  try {
    if (job.module !== undefined) runs.set(job.key, new WebAssembly.Instance(job.module, { env: { memory: job.memory } }).exports.run);
    runs.get(job.key)(job.t0, job.t1);
  } catch {
    status = 2;
  }
  Atomics.store(done, 0, status);
  Atomics.notify(done, 0);
});
`;

/** How long the caller waits for a worker before doing its share itself. */
const WAIT_MS = 60_000;

/** One worker thread of the pool. */
export class KernelThread {
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly loaded = new Set<string>();
  private failed = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { done: this.done } });
    this.worker.on('error', () => {
      this.failed = true;
    });
    this.worker.unref();
  }

  /** False once the worker has failed; the caller then runs every range itself. */
  get usable(): boolean {
    return !this.failed;
  }

  /** Starts `run(t0, t1)` of kernel `key` on `memory` (sending the module the first time). */
  submit(key: string, module: WebAssembly.Module, memory: WebAssembly.Memory, t0: number, t1: number): void {
    Atomics.store(this.done, 0, 0);
    const first = !this.loaded.has(key);
    this.loaded.add(key);
    this.worker.postMessage(first ? { key, module, memory, t0, t1 } : { key, t0, t1 });
  }

  /** Blocks until the submitted range is done; false when it failed or timed out. */
  wait(): boolean {
    Atomics.wait(this.done, 0, 0, WAIT_MS);
    const ok = Atomics.load(this.done, 0) === 1;
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
