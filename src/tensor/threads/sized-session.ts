/**
 * A session over pool workers together with the heap blocks its workers read and write (inputs,
 * outputs, gradients), sized for a number of rows and reopened with larger blocks when a call needs
 * more. Shared by the data-parallel step and the row-split batch work.
 */
import { heapBlocks, heapFree } from '../wasm/heap.js';
import { poolWorkers } from './pool.js';
import { ThreadSession, type TaskRef } from './session.js';

/** The blocks a session needs for `workers` workers and `rows` rows per slice, and its init from their addresses. */
export type SessionLayout<I> = (workers: number, rows: number) => { lengths: number[]; init: (addresses: number[]) => I };

export class SizedSession<I> {
  session: ThreadSession | null = null;
  init: I | null = null;
  private capacity = 0;
  private blocks: Float32Array[] = [];

  /** `threads` counts the calling thread; `minRows` is the smallest capacity opened. */
  constructor(private readonly task: TaskRef, private readonly threads: number, private readonly layout: SessionLayout<I>, private readonly minRows = 1) {}

  /** Opens (or reopens, larger) the session for slices of `rows`; false when no worker or heap space is available. */
  ready(rows: number): boolean {
    if (this.session !== null && rows <= this.capacity) return true;
    const grown = Math.max(rows, 2 * this.capacity, this.minRows);
    this.close();
    const workers = poolWorkers(this.threads - 1);
    if (workers.length === 0) return false;
    const plan = this.layout(workers.length, grown);
    const blocks = heapBlocks(plan.lengths);
    if (blocks === null) return false;
    this.blocks = blocks;
    this.init = plan.init(blocks.map((b) => b.byteOffset));
    this.session = new ThreadSession(this.task, this.init, workers);
    this.capacity = grown;
    return true;
  }

  /** Ends the session and frees its blocks (the workers stay in the pool). */
  close(): void {
    this.session?.close();
    this.session = null;
    this.blocks.forEach(heapFree);
    this.blocks = [];
    this.capacity = 0;
  }
}
