/**
 * The SIMD path of the MLP coalition values: the same arithmetic as mlp-coalition-values.ts (Gray-
 * code first layer, active output rows only, every hybrid row of a chunk of masks at once), run by
 * a WebAssembly kernel generated for the model's shape (mlp-coalition-wasm.ts) with four hybrid rows
 * per f32x4 vector, and the masks shared among worker threads (kernel-threads.ts). Sums over units
 * are float32 inside the kernel (the JS path accumulates in float64); the weighted sum over
 * background rows is float64. The first pre-activation is rebuilt at the start of every chunk, so the
 * Gray walk's rounding never spans more than one chunk and the values do not depend on the thread
 * count. ReLU models only; `null` tells the caller to take the JS path.
 */
import { MEMORY_IMPORT, ThreadSession, poolWorkers, releaseThreads, wasmActive, type PoolWorker } from '../tensor/index.js';
import { COALITION_TASK, claimChunks, type ChunkJob } from './kernel-threads.js';
import type { MlpCoalitionInputs } from './mlp-coalition-values.js';
import { kernelLayout, kernelModule, kernelPages, type KernelLayout } from './mlp-coalition-wasm.js';
import { mlpWidths } from './score-model.js';

/** Hybrid rows (columns) per chunk: a chunk's activations stay in L2 cache. */
const CHUNK_COLUMNS = 1024;
/** Below this many hybrid rows a worker's round trip costs more than it saves. */
const MIN_ROWS_PER_THREAD = 65_536;
/** The largest first-layer term (|pre-activation| or |w · (x - b)|) the float32 kernel takes. */
const MAX_FIRST_LAYER_TERM = 64;
/** Larger layouts (huge backgrounds or layers) take the JS path rather than a giant memory. */
const MAX_KERNEL_PAGES = 16_384;
/** Kernels kept compiled (least recently used dropped first), and the memory they may hold in all. */
const CACHE_KERNELS = 8;
const CACHE_BYTES = 256 * 2 ** 20;

interface Kernel {
  key: string;
  layout: KernelLayout;
  module: WebAssembly.Module;
  run: (t0: number, t1: number) => void;
  /** the caller's memory, and each pool worker's */
  main: WebAssembly.Memory;
  memories: Map<PoolWorker, WebAssembly.Memory>;
  /** the workers' session (null until threads are used); its board has one state per chunk */
  session: ThreadSession | null;
  job: ChunkJob | null;
}

// Compiled kernels by shape: compiling costs more than one explained row, and `releaseKernels`
// empties the cache.
const kernels = new Map<string, Kernel>();
const SHARED = typeof SharedArrayBuffer !== 'undefined';

/** Drops every compiled kernel and ends the worker threads (they restart on demand). */
export function releaseKernels(): void {
  for (const k of kernels.values()) k.session?.close();
  kernels.clear();
  releaseThreads();
}

/**
 * v(S) for all `2^M` masks through the SIMD kernel (bit i set = features[i] taken from x), on up to
 * `threads` threads.
 * @returns `[2^M]` float64, or null when the model is not ReLU, the js backend is selected (or SIMD
 *   is unavailable) or the kernel's memory would exceed 1 GiB
 */
export function wasmMlpCoalitionValues(inputs: MlpCoalitionInputs, threads: number): Float64Array | null {
  const { model, background, features } = inputs;
  if (model.activation !== 'relu' || model.layers.length < 2 || !wasmActive()) return null;
  const widths = mlpWidths(model);
  const d = widths[0]!;
  const m = features.length;
  const u = background.rows;
  const masks = 2 ** m;
  const active = Int32Array.from(model.activeFeatures ?? Array.from({ length: d }, (_, j) => j));
  const attrBits = Int32Array.from(active, (j) => features.indexOf(j));
  const units = [...widths.slice(1, -1), active.length];
  const uPad = Math.ceil(u / 4) * 4;
  const steps = Math.max(1, Math.min(masks, Math.floor(CHUNK_COLUMNS / uPad)));
  const kernel = kernelFor(units, attrBits, m, u, steps);
  if (kernel === null) return null;
  const { layout } = kernel;
  const chunks = Math.ceil(masks / steps);
  const wanted = Math.min(threads, chunks, Math.max(1, Math.floor((masks * uPad) / MIN_ROWS_PER_THREAD)));
  // A feature far outside the background (|w · (x - b)| above 64) would leave float32 rounding of
  // its large term in the masks that toggle it off again: such rows take the float64 JS path.
  if (writeInputs(inputs, layout, new Float32Array(kernel.main.buffer), active) > MAX_FIRST_LAYER_TERM) return null;
  const job = wanted > 1 && SHARED ? jobFor(kernel, chunks, steps, masks, poolWorkers(wanted - 1)) : null;
  const board: Int32Array = job?.board ?? new Int32Array(1 + chunks);
  board.fill(-1, 1);
  board[0] = 0;
  const span = { board, chunks, steps, masks };
  const own = (): void => claimChunks(span, kernel.run, 0, 0);
  if (job === null) {
    own();
  } else {
    const written = new Uint8Array(kernel.main.buffer, 0, layout.inputBytes);
    for (const memory of job.memories) new Uint8Array(memory.buffer).set(written);
    try {
      kernel.session!.run(own);
    } catch {
      // A worker failed or was ended: its unfinished chunks (still held, or never claimed) are redone here.
      for (let c = 0; c < chunks; c++) {
        if (board[1 + c]! >= 0) continue;
        board[1 + c] = 0;
        kernel.run(c * steps, Math.min(masks, (c + 1) * steps));
      }
    }
  }

  const values = new Float64Array(masks);
  const scale = 1 / (active.length * inputs.backgroundRows);
  const memories = [kernel.main, ...(job?.memories ?? [])];
  const sources = memories.map((mem) => new Float64Array(mem.buffer, layout.values, masks));
  for (let c = 0; c < chunks; c++) {
    const source = sources[board[1 + c]!]!;
    for (let t = c * steps; t < Math.min(masks, (c + 1) * steps); t++) {
      const g = t ^ (t >>> 1);
      values[g] = source[g]! * scale;
    }
  }
  return values;
}

/**
 * The kernel's worker session for these pool workers (reopened when the pool replaced one), with a
 * memory per worker; null when no worker is available.
 */
function jobFor(kernel: Kernel, chunks: number, steps: number, masks: number, workers: PoolWorker[]): ChunkJob | null {
  if (workers.length === 0) return null;
  const same = kernel.session !== null && kernel.session.workers.length === workers.length && kernel.session.workers.every((w, i) => w === workers[i]);
  if (!same) {
    kernel.session?.close();
    for (const w of kernel.memories.keys()) if (!workers.includes(w)) kernel.memories.delete(w);
    const memories = workers.map((w) => memoryOf(kernel, w));
    kernel.job = { module: kernel.module, memories, board: new Int32Array(new SharedArrayBuffer(4 * (1 + chunks))), chunks, steps, masks };
    kernel.session = new ThreadSession(COALITION_TASK, kernel.job, workers);
  }
  return kernel.job;
}

function kernelFor(units: number[], attrBits: Int32Array, m: number, u: number, steps: number): Kernel | null {
  const key = `${units.join(',')}|${Array.from(attrBits).join(',')}|${m}|${u}|${steps}`;
  const cached = kernels.get(key);
  if (cached !== undefined) {
    kernels.delete(key);
    kernels.set(key, cached);
    return cached;
  }
  const layout = kernelLayout(units, attrBits, m, u, steps);
  if (kernelPages(layout) > MAX_KERNEL_PAGES) return null;
  const module = new WebAssembly.Module(kernelModule(layout, SHARED).bytes());
  const pages = kernelPages(layout);
  const main = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: SHARED });
  const instance = new WebAssembly.Instance(module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.field]: main } });
  const kernel: Kernel = { key, layout, module, main, memories: new Map(), session: null, job: null, run: instance.exports['run'] as (t0: number, t1: number) => void };
  kernels.set(key, kernel);
  evictBeyondBudget();
  return kernel;
}

/** Drops least recently used kernels while more than CACHE_KERNELS or CACHE_BYTES are held. */
function evictBeyondBudget(): void {
  const held = (): number => [...kernels.values()].reduce((n, k) => n + k.layout.bytes * (1 + k.memories.size), 0);
  while (kernels.size > 1 && (kernels.size > CACHE_KERNELS || held() > CACHE_BYTES)) {
    const oldest = kernels.keys().next().value!;
    kernels.get(oldest)!.session?.close();
    kernels.delete(oldest);
  }
}

/** Worker `w`'s memory for the kernel, created on first use. */
function memoryOf(kernel: Kernel, w: PoolWorker): WebAssembly.Memory {
  let memory = kernel.memories.get(w);
  if (memory === undefined) {
    const pages = kernelPages(kernel.layout);
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    kernel.memories.set(w, memory);
  }
  return memory;
}

/**
 * Writes weights, the first layer's base and deltas, and the score targets into the kernel's memory.
 * @returns the largest |first-layer term| written (base or delta)
 */
function writeInputs(inputs: MlpCoalitionInputs, layout: KernelLayout, f32: Float32Array, active: Int32Array): number {
  const { model, x, background, features } = inputs;
  const { uPad, units } = layout;
  const d = x.length;
  const h1 = units[0]!;
  const u = background.rows;
  const last = model.layers.length - 1;
  for (let l = 1; l <= last; l++) {
    const { weight, bias } = model.layers[l]!;
    const inW = units[l - 1]!;
    const w = layout.weight[l - 1]! / 4;
    const b = layout.bias[l - 1]! / 4;
    if (l < last) {
      f32.set(weight, w);
      f32.set(bias, b);
    } else {
      for (let a = 0; a < active.length; a++) {
        f32.set(weight.subarray(active[a]! * inW, (active[a]! + 1) * inW), w + a * inW);
        f32[b + a] = bias[active[a]!]!;
      }
    }
  }
  const w0 = model.layers[0]!.weight;
  const b0 = model.layers[0]!.bias;
  // base[h, r]: mask 0's pre-activation (every attributed feature from background row r), summed in
  // float64 from the terms themselves, so no large x-term has to cancel out of it.
  const attributed = new Uint8Array(d);
  for (const f of features) attributed[f] = 1;
  const base = layout.base / 4;
  f32.fill(0, base, base + h1 * uPad);
  let largest = 0;
  for (let h = 0; h < h1; h++) {
    let fixed = b0[h]!;
    for (let k = 0; k < d; k++) if (attributed[k] === 0) fixed += w0[h * d + k]! * x[k]!;
    for (let r = 0; r < u; r++) {
      let s = fixed;
      for (const f of features) s += w0[h * d + f]! * background.data[r * d + f]!;
      f32[base + h * uPad + r] = s;
      largest = Math.max(largest, Math.abs(s));
    }
  }
  const delta = layout.delta / 4;
  f32.fill(0, delta, delta + layout.m * h1 * uPad);
  for (let i = 0; i < features.length; i++) {
    const f = features[i]!;
    for (let r = 0; r < u; r++) {
      const diff = x[f]! - background.data[r * d + f]!;
      for (let h = 0; h < h1; h++) {
        const v = w0[h * d + f]! * diff;
        f32[delta + (i * h1 + h) * uPad + r] = v;
        largest = Math.max(largest, Math.abs(v));
      }
    }
  }
  const xa = layout.xActive / 4;
  const ba = layout.bActive / 4;
  f32.fill(0, ba, ba + active.length * uPad);
  for (let a = 0; a < active.length; a++) {
    f32[xa + a] = x[active[a]!]!;
    for (let r = 0; r < u; r++) f32[ba + a * uPad + r] = background.data[r * d + active[a]!]!;
  }
  const rw = layout.rowWeight / 4;
  f32.fill(0, rw, rw + uPad);
  for (let r = 0; r < u; r++) f32[rw + r] = background.weights[r]!;
  return largest;
}
