/**
 * A pool worker (started by ./pool.ts). It adopts the caller's shared kernel heap and backend, then
 * serves sessions (./session.ts): on `attach` it imports the session's task module once, builds the
 * handler, and runs it each time the caller sets its state to RUN, until the caller asks it to
 * leave or IDLE_MS pass without work; then it returns to its message loop for the next session.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend, type Backend } from '../backend.js';
import { adoptHeap } from '../wasm/heap.js';
import { ARG_SLOTS, BUSY, DETACHED, ERROR_BYTES, FAILED, IDLE, IDLE_MS, RUN, importTask, type TaskFactory, type TaskRef } from './session.js';
import { spinWhile } from './spin.js';

interface Attach {
  type: 'attach';
  session: number;
  task: TaskRef;
  init: unknown;
  states: Int32Array;
  control: Int32Array;
  args: Float64Array;
  errors: Uint8Array;
  worker: number;
  workers: number;
}

const start = workerData as { memory: WebAssembly.Memory; backend: Backend };
adoptHeap(start.memory);
setBackend(start.backend);

const handlers = new Map<number, () => void>();

parentPort!.on('message', (message: Attach | { type: 'close'; session: number }) => {
  if (message.type === 'close') {
    handlers.delete(message.session);
    return;
  }
  void attach(message);
});

async function attach(m: Attach): Promise<void> {
  let handler = handlers.get(m.session);
  if (handler === undefined) {
    try {
      const factory = await importTask<TaskFactory>(m.task);
      const args = m.args.subarray(m.worker * ARG_SLOTS, (m.worker + 1) * ARG_SLOTS);
      handler = await factory(m.init, { worker: m.worker, workers: m.workers, args });
      handlers.set(m.session, handler);
    } catch (e) {
      fail(m, e);
      return;
    }
  }
  serve(handler, m);
}

/** Runs the handler on every RUN until the caller detaches this worker or it idles out. */
function serve(handler: () => void, m: Attach): void {
  const { states, worker: w } = m;
  for (;;) {
    const state = Atomics.load(states, w);
    if (state === RUN) {
      // The caller may have withdrawn the call to run it itself (see ThreadSession.run).
      if (Atomics.compareExchange(states, w, RUN, BUSY) !== RUN) continue;
      try {
        handler();
        Atomics.store(states, w, IDLE);
        Atomics.notify(states, w);
      } catch (e) {
        fail(m, e);
      }
      continue;
    }
    if (state !== IDLE) return;
    const spinUs = Atomics.load(m.control, 0);
    if (spinUs > 0 && spinWhile(states, w, IDLE, spinUs / 1000)) continue;
    if (Atomics.wait(states, w, IDLE, IDLE_MS) === 'timed-out' && Atomics.compareExchange(states, w, IDLE, DETACHED) === IDLE) return;
  }
}

/** Leaves the error message for the caller and raises FAILED. */
function fail(m: Attach, e: unknown): void {
  const text = new TextEncoder().encode(e instanceof Error ? `${e.name}: ${e.message}` : String(e)).subarray(0, ERROR_BYTES - 1);
  const slot = m.errors.subarray(m.worker * ERROR_BYTES, (m.worker + 1) * ERROR_BYTES);
  slot.set(text);
  slot[text.length] = 0;
  Atomics.store(m.states, m.worker, FAILED);
  Atomics.notify(m.states, m.worker);
}
