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
import { allKernelThreads, kernelThreads, releaseKernelThreads, type ChunkBoard } from './kernel-threads.js';
import type { MlpCoalitionInputs } from './mlp-coalition-values.js';
import { kernelLayout, kernelModule, kernelPages, type KernelLayout } from './mlp-coalition-wasm.js';
import { mlpWidths } from './score-model.js';
import { Code, V128, wasmModule } from './wasm-emitter.js';

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
  /** by thread: 0 the caller's, else a worker's KernelThread id */
  memories: Map<number, WebAssembly.Memory>;
}

// Compiled kernels by shape: compiling costs more than one explained row, and `releaseKernels`
// empties the cache.
const kernels = new Map<string, Kernel>();
const SHARED = typeof SharedArrayBuffer !== 'undefined';
let simdSupported: boolean | undefined;

/** True when this JavaScript engine runs WebAssembly with 128-bit SIMD. */
export function wasmSimdAvailable(): boolean {
  if (simdSupported === undefined) {
    const probe = new Code().v128Zero().set(0);
    const bytes = wasmModule(1, false, [{ name: 'probe', params: [], locals: [V128], body: probe }]);
    simdSupported = typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  }
  return simdSupported;
}

/** Drops every compiled kernel and ends the worker threads (they restart on demand). */
export function releaseKernels(): void {
  kernels.clear();
  releaseKernelThreads();
}

/**
 * v(S) for all `2^M` masks through the SIMD kernel (bit i set = features[i] taken from x), on up to
 * `threads` threads.
 * @returns `[2^M]` float64, or null when the model is not ReLU, SIMD is unavailable or the kernel's
 *   memory would exceed 1 GiB
 */
export function wasmMlpCoalitionValues(inputs: MlpCoalitionInputs, threads: number): Float64Array | null {
  const { model, background, features } = inputs;
  if (model.activation !== 'relu' || model.layers.length < 2 || !wasmSimdAvailable()) return null;
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
  const workers = wanted > 1 ? kernelThreads(wanted - 1) : [];
  const w = workers.length;
  dropDeadMemories(kernel);
  const main = memoryOf(kernel, 0);
  // A feature far outside the background (|w · (x - b)| above 64) would leave float32 rounding of
  // its large term in the masks that toggle it off again: such rows take the float64 JS path.
  if (writeInputs(inputs, layout, new Float32Array(main.buffer), active) > MAX_FIRST_LAYER_TERM) return null;

  const board: ChunkBoard = new Int32Array(w > 0 ? new SharedArrayBuffer(4 * (1 + w + chunks)) : new ArrayBuffer(4 * (1 + chunks)));
  const state = 1 + w;
  board.fill(-1, state);
  workers.forEach((thread, i) => {
    const memory = memoryOf(kernel, thread.id);
    new Uint8Array(memory.buffer).set(new Uint8Array(main.buffer, 0, layout.inputBytes));
    thread.submit({ key: kernel.key, module: kernel.module, memory, board, worker: i, workers: w, chunks, steps, masks });
  });
  const run = (c: number): void => kernel.run(c * steps, Math.min(masks, (c + 1) * steps));
  for (let c = Atomics.add(board, 0, 1); c < chunks; c = Atomics.add(board, 0, 1)) {
    if (Atomics.compareExchange(board, state + c, -1, 0) === -1) run(c);
  }
  // Every chunk is claimed now: take any a worker has not, wait for those a worker holds, and redo
  // the chunks of a worker that failed.
  for (let c = 0; c < chunks; c++) {
    const s = Atomics.compareExchange(board, state + c, -1, 0);
    if (s === -1) run(c);
    else if (s <= -2 && !workers[-s - 2]!.wait(board, -s - 2)) {
      Atomics.store(board, state + c, 0);
      run(c);
    }
  }

  const values = new Float64Array(masks);
  const scale = 1 / (active.length * inputs.backgroundRows);
  const sources = [main, ...workers.map((t) => memoryOf(kernel, t.id))].map((mem) => new Float64Array(mem.buffer, layout.values, masks));
  for (let c = 0; c < chunks; c++) {
    const source = sources[Atomics.load(board, state + c)]!;
    for (let t = c * steps; t < Math.min(masks, (c + 1) * steps); t++) {
      const g = t ^ (t >>> 1);
      values[g] = source[g]! * scale;
    }
  }
  return values;
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
  const module = new WebAssembly.Module(kernelModule(layout, SHARED));
  const kernel: Kernel = { key, layout, module, memories: new Map(), run: () => undefined };
  const instance = new WebAssembly.Instance(module, { env: { memory: memoryOf(kernel, 0) } });
  kernel.run = instance.exports['run'] as (t0: number, t1: number) => void;
  kernels.set(key, kernel);
  evictBeyondBudget();
  return kernel;
}

/** Drops least recently used kernels while more than CACHE_KERNELS or CACHE_BYTES are held. */
function evictBeyondBudget(): void {
  const held = (): number => [...kernels.values()].reduce((n, k) => n + k.layout.bytes * Math.max(1, k.memories.size), 0);
  while (kernels.size > 1 && (kernels.size > CACHE_KERNELS || held() > CACHE_BYTES)) {
    const oldest = kernels.keys().next().value!;
    kernels.delete(oldest);
    for (const thread of allKernelThreads()) thread.forget(oldest);
  }
}

/** Forgets the memories of workers that have ended (a replacement worker gets fresh ones). */
function dropDeadMemories(kernel: Kernel): void {
  const live = new Set(allKernelThreads().map((t) => t.id));
  for (const id of kernel.memories.keys()) if (id !== 0 && !live.has(id)) kernel.memories.delete(id);
}

/** The kernel's memory for thread `id` (0 = the caller), created on first use. */
function memoryOf(kernel: Kernel, id: number): WebAssembly.Memory {
  let memory = kernel.memories.get(id);
  if (memory === undefined) {
    const pages = kernelPages(kernel.layout);
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: SHARED });
    kernel.memories.set(id, memory);
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
