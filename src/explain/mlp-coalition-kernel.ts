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
import { allKernelThreads, kernelThreads, type ChunkBoard } from './kernel-threads.js';
import type { MlpCoalitionInputs } from './mlp-coalition-values.js';
import { kernelLayout, kernelModule, kernelPages, type KernelLayout } from './mlp-coalition-wasm.js';
import { mlpWidths } from './score-model.js';
import { Code, V128, wasmModule } from './wasm-emitter.js';

/** Hybrid rows (columns) per chunk: a chunk's activations stay in L2 cache. */
const CHUNK_COLUMNS = 1024;
/** Below this many hybrid rows a worker's round trip costs more than it saves. */
const MIN_ROWS_PER_THREAD = 65_536;
const CACHE_SIZE = 8;

interface Kernel {
  key: string;
  layout: KernelLayout;
  module: WebAssembly.Module;
  /** [0] is the calling thread's; [i] is worker i-1's */
  memories: WebAssembly.Memory[];
  run: (t0: number, t1: number) => void;
}

const kernels = new Map<string, Kernel>();
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

/**
 * v(S) for all `2^M` masks through the SIMD kernel (bit i set = features[i] taken from x), on up to
 * `threads` threads.
 * @returns `[2^M]` float64, or null when the model's activation is not ReLU or SIMD is unavailable
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
  const { layout } = kernel;

  const chunks = Math.ceil(masks / steps);
  const wanted = Math.min(threads, chunks, Math.max(1, Math.floor((masks * uPad) / MIN_ROWS_PER_THREAD)));
  const workers = wanted > 1 ? kernelThreads(wanted - 1) : [];
  writeInputs(inputs, layout, new Float32Array(kernel.memories[0]!.buffer), active);
  const w = workers.length;
  const board: ChunkBoard = new Int32Array(new SharedArrayBuffer(4 * (1 + w + chunks)));
  board.fill(-1, 1 + w);
  for (let i = 0; i < w; i++) {
    const memory = memoryOf(kernel, i + 1);
    new Uint8Array(memory.buffer).set(new Uint8Array(kernel.memories[0]!.buffer, 0, layout.bytes));
    workers[i]!.submit({ key: kernel.key, module: kernel.module, memory, board, worker: i, workers: w, chunks, steps, masks });
  }
  const own = (c: number): void => {
    kernel.run(c * steps, Math.min(masks, (c + 1) * steps));
    board[1 + w + c] = 0;
  };
  for (let c = Atomics.add(board, 0, 1); c < chunks; c = Atomics.add(board, 0, 1)) own(c);
  // A chunk still unfinished is in a worker's hands (or claimed a moment ago and not yet marked):
  // wait for that worker (or all of them), and redo the chunk here if the worker failed.
  for (let c = 0; c < chunks; c++) {
    const state = Atomics.load(board, 1 + w + c);
    if (state === -1) workers.forEach((thread, i) => thread.wait(board, i));
    else if (state <= -2) workers[-state - 2]!.wait(board, -state - 2);
    if (Atomics.load(board, 1 + w + c) < 0) own(c);
  }

  const values = new Float64Array(masks);
  const scale = 1 / (active.length * inputs.backgroundRows);
  const sources = kernel.memories.slice(0, w + 1).map((m) => new Float64Array(m.buffer, layout.values, masks));
  for (let c = 0; c < chunks; c++) {
    const source = sources[Atomics.load(board, 1 + w + c)]!;
    for (let t = c * steps; t < Math.min(masks, (c + 1) * steps); t++) {
      const g = t ^ (t >>> 1);
      values[g] = source[g]! * scale;
    }
  }
  return values;
}

function kernelFor(units: number[], attrBits: Int32Array, m: number, u: number, steps: number): Kernel {
  const key = `${units.join(',')}|${Array.from(attrBits).join(',')}|${m}|${u}|${steps}`;
  const cached = kernels.get(key);
  if (cached !== undefined) return cached;
  const layout = kernelLayout(units, attrBits, m, u, steps);
  const shared = typeof SharedArrayBuffer !== 'undefined';
  const module = new WebAssembly.Module(kernelModule(layout, shared));
  const kernel: Kernel = { key, layout, module, memories: [], run: () => undefined };
  const instance = new WebAssembly.Instance(module, { env: { memory: memoryOf(kernel, 0) } });
  kernel.run = instance.exports['run'] as (t0: number, t1: number) => void;
  if (kernels.size >= CACHE_SIZE) {
    const oldest = kernels.keys().next().value!;
    kernels.delete(oldest);
    for (const thread of allKernelThreads()) thread.forget(oldest);
  }
  kernels.set(key, kernel);
  return kernel;
}

/** Thread i's memory of the kernel, created on first use. */
function memoryOf(kernel: Kernel, i: number): WebAssembly.Memory {
  while (kernel.memories.length <= i) {
    const pages = kernelPages(kernel.layout);
    kernel.memories.push(new WebAssembly.Memory({ initial: pages, maximum: pages, shared: typeof SharedArrayBuffer !== 'undefined' }));
  }
  return kernel.memories[i]!;
}

/** Writes weights, the first layer's base and deltas, and the score targets into the kernel's memory. */
function writeInputs(inputs: MlpCoalitionInputs, layout: KernelLayout, f32: Float32Array, active: Int32Array): void {
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
  const base = layout.base / 4;
  for (let h = 0; h < h1; h++) {
    let s = b0[h]!;
    for (let k = 0; k < d; k++) s += w0[h * d + k]! * x[k]!;
    f32.fill(s, base + h * uPad, base + (h + 1) * uPad);
  }
  const delta = layout.delta / 4;
  f32.fill(0, delta, delta + layout.m * h1 * uPad);
  for (let i = 0; i < features.length; i++) {
    const f = features[i]!;
    for (let r = 0; r < u; r++) {
      const diff = background.data[r * d + f]! - x[f]!;
      for (let h = 0; h < h1; h++) f32[delta + (i * h1 + h) * uPad + r] = w0[h * d + f]! * diff;
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
}
