/**
 * The process's worker threads: started on first use, reused by every parallel kernel, `unref`ed
 * (they never keep a process alive) and ended by {@link releaseThreads}. Each worker runs
 * ./worker.ts (compiled: worker.js) on the same shared WebAssembly heap as the caller, so kernels
 * on either side address the same bytes. Where SharedArrayBuffer or worker threads are missing, or
 * the TypeScript sources run without the tsx loader to start a worker with, there are no workers
 * and every parallel path runs on the calling thread alone (said once through the backend notice).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidOptionError } from '../../errors.js';
import { backend } from '../backend.js';
import { heapIsShared, heapMemory } from '../wasm/heap.js';

/** `threads` as callers give it: 'auto' (every core up to {@link MAX_AUTO_THREADS}) or a count >= 1. */
export type ThreadsOption = 'auto' | number;

/** 'auto' uses at most this many threads: past it the sync per step costs more than a core adds on this class of model. */
export const MAX_AUTO_THREADS = 4;

/**
 * The thread count an option asks for (the calling thread included).
 * @throws InvalidOptionError for anything but 'auto' or an integer >= 1
 */
export function resolveThreads(option: ThreadsOption | undefined, where = 'threads'): number {
  if (option === undefined || option === 'auto') return Math.max(1, Math.min(MAX_AUTO_THREADS, availableParallelism()));
  if (!Number.isInteger(option) || option < 1) {
    throw new InvalidOptionError(`${where} must be 'auto' or an integer >= 1, got ${JSON.stringify(option)}`, 'threads');
  }
  return option;
}

/** One worker of the pool. */
export interface PoolWorker {
  readonly index: number;
  readonly worker: Worker;
  /** Set once the worker failed to start or run; it is replaced on the next request. */
  broken: boolean;
}

const workers: PoolWorker[] = [];
let unavailable: string | null | undefined;
let notice: ((message: string) => void) | null = null;

/** Receives, once, why parallel kernels run on the calling thread only. */
export function setThreadsNotice(hook: ((message: string) => void) | null): void {
  notice = hook;
}

/**
 * Up to `count` workers (started on demand, never more than the cores minus one); fewer, or none,
 * where the environment cannot run them.
 */
export function poolWorkers(count: number): PoolWorker[] {
  const want = Math.min(count, Math.max(0, availableParallelism() - 1));
  if (want === 0 || whyNoWorkers() !== null) return [];
  for (let i = 0; i < workers.length; i++) {
    if (workers[i]!.broken) {
      void workers[i]!.worker.terminate();
      workers[i] = startWorker(i);
    }
  }
  while (workers.length < want) workers.push(startWorker(workers.length));
  return workers.slice(0, want);
}

/** Ends every worker; later parallel calls start new ones. */
export function releaseThreads(): void {
  for (const w of workers.splice(0)) void w.worker.terminate();
}

/** Why no worker can start here, or null. */
export function whyNoWorkers(): string | null {
  if (unavailable === undefined) {
    unavailable = probe();
    if (unavailable !== null) notice?.(`threads: running on the calling thread only because ${unavailable}`);
  }
  return unavailable;
}

function probe(): string | null {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return 'this engine has no SharedArrayBuffer';
  if (typeof WebAssembly !== 'object' || !heapIsShared()) return 'the kernel heap cannot be shared';
  if (import.meta.url.endsWith('.ts') && tsxApi() === null) return 'the TypeScript sources run without the tsx loader a worker needs';
  return null;
}

/**
 * tsx's ESM API (its `register()` installs the TypeScript loader in the calling thread), found
 * through tsx's package.json exports; null when tsx is not installed.
 */
function tsxApi(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
    const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
    return new URL(exports['./esm/api']!.import.default, pathToFileURL(manifest)).href;
  } catch {
    return null;
  }
}

/**
 * From the compiled package: worker.js itself. From TypeScript sources (vitest, tsx): a small
 * bootstrap that registers tsx in the worker, then imports worker.ts.
 */
function startWorker(index: number): PoolWorker {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './worker-from-sources.mjs' : './worker.js', import.meta.url);
  const worker = new Worker(url, {
    workerData: { memory: heapMemory(), backend: backend(), tsxApi: fromSources ? tsxApi() : null, entry: new URL('./worker.ts', import.meta.url).href },
  });
  worker.unref();
  const entry: PoolWorker = { index, worker, broken: false };
  worker.on('error', () => {
    entry.broken = true;
  });
  worker.on('exit', () => {
    entry.broken = true;
  });
  return entry;
}
