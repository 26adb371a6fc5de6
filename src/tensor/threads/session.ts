/**
 * A task that several threads run together, call after call, synchronized through shared memory
 * rather than messages (a message round trip costs ~50-100 µs; a futex wake a few µs). The caller
 * opens a session on some workers with a task (a module URL and an export name: the worker imports
 * the module and calls the export with the session's `init` to get its per-call handler), then each
 * {@link ThreadSession.run} wakes every worker, runs the caller's own share and waits for theirs.
 *
 * Per worker, one Int32 state word (in a SharedArrayBuffer) carries the protocol:
 *   DETACHED: the worker is not waiting on this session (it has not joined yet, or it left after
 *             IDLE_MS without work so that other sessions can use it); the caller re-attaches it
 *             by message.
 *   IDLE:     the worker waits for work. RUN: a call is posted and nobody has taken it yet.
 *   BUSY:     the worker took the call and is running it. FAILED: the handler threw; the message
 *             is in the session's error bytes.
 * Both sides move the state with compare-and-swap, so a worker leaving at the moment work arrives
 * is never lost, and a posted call is run exactly once: by the worker (RUN -> BUSY) or, when the
 * caller finished its own share first and was given a way to run the worker's share, by the caller
 * (RUN -> IDLE). The caller takes a share so when the machine has a core to spare (a worker that is
 * still waking up should not make the step wait) and when the worker is only now joining the
 * session by message (it needs milliseconds); on a busy machine it sleeps instead, so the worker's
 * time slice does the share. A worker that neither finishes nor fails within the limit is ended
 * and the call throws: a failure is an error, never a hang.
 *
 * Both sides spin on the state word before they sleep in Atomics.wait, as long as ./spin.ts
 * allows (0 on a busy machine); the caller passes its choice to the workers in `control`.
 */
import type { PoolWorker } from './pool.js';
import { spinBudgetMs, spinWhile } from './spin.js';

/** A worker-side task: a module (its `import.meta.url`) and the name of its factory export. */
export interface TaskRef {
  module: string;
  name: string;
}

/** What a task factory receives besides `init`: this worker's position and its argument slots. */
export interface TaskContext {
  /** 0-based among the session's workers; the caller is not counted. */
  worker: number;
  workers: number;
  /** {@link ARG_SLOTS} float64 values the caller sets before each call (and the handler may set for it). */
  args: Float64Array;
}

/** A task factory: returns the handler each call runs (it reads its inputs from `ctx.args`). */
export type TaskFactory = (init: unknown, ctx: TaskContext) => (() => void) | Promise<() => void>;

/** Imports a task module in a worker and returns its export `ref.name`, which must be a function. */
export async function importTask<F>(ref: TaskRef): Promise<F> {
  const module = (await import(ref.module)) as Record<string, unknown>;
  const factory = module[ref.name];
  if (typeof factory !== 'function') throw new Error(`${ref.module} has no task named ${ref.name}`);
  return factory as F;
}

export const ARG_SLOTS = 16;
export const DETACHED = 0;
export const IDLE = 1;
export const RUN = 2;
export const FAILED = 3;
export const BUSY = 4;
/** Bytes of the error message a failing worker leaves. */
export const ERROR_BYTES = 1024;
/** A worker waits this long for the next call before leaving the session. */
export const IDLE_MS = 20;
/** The longest a caller waits for a worker beyond its own share's time (x FACTOR), and at least MIN. */
const WAIT_FACTOR = 20;
const WAIT_MIN_MS = 30_000;

let nextId = 1;

/** Worker -> session it is attached to (so a new session first asks it to leave the old one). */
const attachedTo = new WeakMap<PoolWorker, ThreadSession>();

export class ThreadSession {
  readonly id = nextId++;
  /** Per worker: its state word. */
  readonly states: Int32Array;
  /** Per worker: ARG_SLOTS arguments. */
  readonly args: Float64Array;
  readonly errors: Uint8Array;
  /** [0]: how long workers spin before they sleep, in µs (set by the caller at each call). */
  readonly control: Int32Array;
  /** Per worker: 1 when this call's start had to attach it by message. */
  private readonly joining: Uint8Array;
  private closed = false;

  /** `workers` must be live pool workers; the session does not own them. */
  constructor(readonly task: TaskRef, readonly init: unknown, readonly workers: readonly PoolWorker[]) {
    const n = workers.length;
    this.states = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, n)));
    this.args = new Float64Array(new SharedArrayBuffer(8 * ARG_SLOTS * Math.max(1, n)));
    this.errors = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES * Math.max(1, n)));
    this.control = new Int32Array(new SharedArrayBuffer(4));
    this.joining = new Uint8Array(n);
  }

  /** Worker w's argument slots. */
  argsOf(w: number): Float64Array {
    return this.args.subarray(w * ARG_SLOTS, (w + 1) * ARG_SLOTS);
  }

  /**
   * Starts one call on every worker, runs `own` (the caller's share) and waits for the workers.
   * With `steal`, a worker's call that the worker has not taken by the time `own` is done may be
   * withdrawn (see the file comment for when) and `steal(w)` runs worker w's share on the calling
   * thread instead; it must leave exactly what the worker's handler would have left (its results,
   * its argument slots).
   * @throws Error naming the worker and its message when one failed, or did not finish in time
   */
  run(own: () => void, steal?: (w: number) => void): void {
    if (this.closed) throw new Error('ThreadSession.run: the session is closed');
    const spinMs = spinBudgetMs();
    Atomics.store(this.control, 0, Math.round(spinMs * 1000));
    for (let w = 0; w < this.workers.length; w++) this.joining[w] = this.start(w) ? 1 : 0;
    const t0 = performance.now();
    own();
    const limit = Math.max(WAIT_MIN_MS, WAIT_FACTOR * (performance.now() - t0));
    let failure: string | null = null;
    for (let w = 0; w < this.workers.length; w++) {
      const mayTake = steal !== undefined && (spinMs > 0 || this.joining[w] === 1);
      if (mayTake && Atomics.compareExchange(this.states, w, RUN, IDLE) === RUN) {
        steal(w);
        continue;
      }
      const why = this.finish(w, limit, spinMs);
      if (why !== null && failure === null) failure = `worker ${w + 1} of ${this.workers.length}: ${why}`;
    }
    if (failure !== null) throw new Error(failure);
  }

  /** Lets the workers go; they drop the task's handler. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.workers.forEach((pw, w) => {
      this.detach(w);
      if (attachedTo.get(pw) === this) attachedTo.delete(pw);
      pw.worker.postMessage({ type: 'close', session: this.id });
    });
  }

  /** Asks worker w to leave this session's wait now (it is needed elsewhere). */
  detach(w: number): void {
    if (Atomics.compareExchange(this.states, w, IDLE, DETACHED) === IDLE) Atomics.notify(this.states, w);
  }

  /** Posts the call to worker w; true when it had to attach the worker by message. */
  private start(w: number): boolean {
    const pw = this.workers[w]!;
    if (Atomics.compareExchange(this.states, w, IDLE, RUN) === IDLE) {
      Atomics.notify(this.states, w);
      return false;
    }
    // Detached (or never joined): join by message; the worker finds RUN when it arrives.
    Atomics.store(this.states, w, RUN);
    const other = attachedTo.get(pw);
    if (other !== undefined && other !== this) other.detach(other.workers.indexOf(pw));
    attachedTo.set(pw, this);
    pw.worker.postMessage({
      type: 'attach', session: this.id, task: this.task, init: this.init,
      states: this.states, control: this.control, args: this.args, errors: this.errors, worker: w, workers: this.workers.length,
    });
    return true;
  }

  /** Waits for worker w; null when it finished, else why not. */
  private finish(w: number, limitMs: number, spinMs: number): string | null {
    const now = performance.now();
    const deadline = now + limitMs;
    const spinEnd = now + spinMs;
    for (;;) {
      const s = Atomics.load(this.states, w);
      if (s === FAILED) {
        const bytes = this.errors.subarray(w * ERROR_BYTES, (w + 1) * ERROR_BYTES);
        const end = bytes.indexOf(0);
        Atomics.store(this.states, w, DETACHED);
        return new TextDecoder().decode(bytes.slice(0, end < 0 ? ERROR_BYTES : end));
      }
      if (s !== RUN && s !== BUSY) return null;
      const t = performance.now();
      if (t < spinEnd) {
        spinWhile(this.states, w, s, spinEnd - t);
        continue;
      }
      const left = deadline - t;
      if (left <= 0) {
        this.workers[w]!.broken = true;
        void this.workers[w]!.worker.terminate();
        return `did not finish within ${Math.round(limitMs)} ms; it was ended`;
      }
      Atomics.wait(this.states, w, s, Math.min(left, 1000));
    }
  }
}
