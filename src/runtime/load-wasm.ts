/**
 * The driver of the loader's WebAssembly (./load-kernel.ts): copies a step's input into the loader's
 * memory, runs the step and copies the result out, or answers null when the step is not the common
 * case, so the caller runs its JavaScript path, the reference, which decides as before and throws
 * the same errors. Null too under the js backend and where the engine cannot compile WebAssembly.
 *
 * Callers take this path for runs of at least {@link WASM_LOAD_MIN} elements (or bytes): below, the
 * JavaScript loops finish long before V8 would optimize them, and compiling the module would cost
 * more than it saves (an autoencoder's dims and names are a few bytes each).
 */
import type { FunctionBuilder } from '../tensor/kernels.js';
// A namespace: the runtime bundle loads the emitter on its first use (../tensor/wasm-emitter.ts).
import * as wasmEmitter from '../tensor/wasm-emitter.js';
import { addForestLinkKernels } from './forest-links-kernel.js';
import { wasmLoaderActive } from './load-gate.js';
import { HEADER_BYTES, SLOT, addCodecKernels, type Slot } from './load-kernel.js';

type Kernel = (...args: number[]) => number;
type KernelName = 'varints' | 'byteRun' | 'codes' | 'scanIds' | 'indexNodes' | 'link' | 'findRoots' | 'acyclic' | 'leafCount' | 'leafPrefix' | 'leafFill';

/**
 * Elements (roots for `acyclic`) one copy of a kernel may run. V8 recompiles a WebAssembly function
 * with TurboFan once it has used up its tier-up budget (`--wasm-tiering-budget`), and TurboFan's first
 * use pages ~3 MB of Node's code in, the cost this module exists to avoid. The budget belongs to a
 * function of a compiled module (instances share it), so the module holds {@link COPIES} copies of
 * each kernel, each a function with its own budget (ModuleBuilder.bytes), and a kernel whose copy has
 * run its count goes on in the next copy; past a module's copies, in a fresh compile of the module
 * ({@link compiled}). V8 compiles a function on its first call: a copy never called costs its bytes only.
 *
 * The counts are ~60% of what one copy ran before V8 tiered it up, measured on Node 20 by bisection on
 * the W6 forest (100 trees, 12,432 nodes; docs/edge.md "The forest"): varints 17,800, byteRun 6,700,
 * codes 2,100, scanIds 9,700, link 3,400, acyclic 68 roots, leafCount 6,300; indexNodes, findRoots,
 * leafPrefix and leafFill ran the whole forest on one copy. A kernel's budget per element depends on
 * its data (a 3-byte varint, a deeper tree per root): a forest far from that one may tier a copy up,
 * which costs memory and a compilation, never a result.
 */
const PER_COPY: Record<KernelName, number> = {
  varints: 10000, byteRun: 4000, codes: 1300, scanIds: 6000, indexNodes: 24000, link: 2000,
  findRoots: 24000, acyclic: 32, leafCount: 3800, leafPrefix: 48000, leafFill: 12000,
};
/**
 * Copies of each kernel in one module: enough for a forest of 16,384 nodes in 128 trees (seven
 * attributes of a varint per node, a code and a link per node, a root per tree, a leaf per two nodes).
 */
const COPIES: Record<KernelName, number> = {
  varints: 12, byteRun: 5, codes: 13, scanIds: 3, indexNodes: 1, link: 9,
  findRoots: 1, acyclic: 4, leafCount: 3, leafPrefix: 1, leafFill: 2,
};
/** Past this many copies a kernel runs on the last one, and V8 may optimize it (a forest of ~250,000 nodes). */
const MAX_COPIES = 64;

const PAGE = 65536;
/** 2 GiB: addresses stay positive i32. */
const MAX_PAGES = 32768;
/**
 * The longest run (bytes) the codec's steps take: a step holds the run and its output (up to 4 bytes
 * per input byte) in the memory, so a run over this is left to the JavaScript path.
 */
const MAX_RUN_BYTES = 2 ** 26;

let moduleBytes: Uint8Array | null | undefined;
/** The compiled modules. */
const modules: WebAssembly.Module[] = [];
/** The elements each kernel has run on its copy k (copy k % COPIES of module k / COPIES). */
const used: Record<string, number>[] = [];
/** Each kernel's copies: their slots in a module's table of functions (ModuleBuilder.bytes). */
const slots = {} as Record<KernelName, number[]>;

/** The module's bytes, or null where WebAssembly is missing or refuses them. */
function loaderBytes(): Uint8Array | null {
  if (moduleBytes === undefined) {
    moduleBytes = null;
    if (typeof WebAssembly === 'object') {
      try {
        const mod = new wasmEmitter.ModuleBuilder('onnx-load', { minPages: 1, maxPages: MAX_PAGES, shared: false });
        addCodecKernels(mod);
        addForestLinkKernels(mod);
        const copies = (f: FunctionBuilder): number => COPIES[f.name as KernelName];
        const bytes = mod.bytes(copies);
        modules.push(new WebAssembly.Module(bytes));
        const bySlot = mod.copySlots(copies);
        for (const f of mod.functions) slots[f.name as KernelName] = bySlot[f.index]!;
        moduleBytes = bytes;
      } catch {
        moduleBytes = null;
      }
    }
  }
  return moduleBytes;
}

/**
 * Module m: the same code with a custom section holding m at the end, so that V8 compiles it anew
 * (it shares one compilation between modules of equal bytes) and its kernels start with a fresh budget.
 * Custom sections carry no code (https://webassembly.github.io/spec/core/binary/modules.html#custom-section).
 */
function compiled(m: number): WebAssembly.Module {
  while (modules.length <= m) {
    const base = loaderBytes()!;
    const n = modules.length;
    const tail = Uint8Array.of(0, 6, 3, 0x67, 0x65, 0x6e, n & 0x7f, n >> 7);
    const bytes = new Uint8Array(base.length + tail.length);
    bytes.set(base);
    bytes.set(tail, base.length);
    modules.push(new WebAssembly.Module(bytes));
  }
  return modules[m]!;
}

function usedOf(k: number): Record<string, number> {
  while (used.length <= k) used.push({});
  return used[k]!;
}

/**
 * The memory the steps share, with an instance per module on it: one memory, so a load touches the
 * pages of its largest step, not of every step (a memory's pages stay resident while it lives).
 * The forest plan, a load's last step, lets it go ({@link releaseMemory}).
 */
let shared: { memory: WebAssembly.Memory; instances: Map<number, Record<string, unknown>>; dirty: number } | null = null;

export function releaseMemory(): void {
  shared = null;
}

/** One step on the shared memory: the header, then arrays taken in order, each zeroed. */
export class Job {
  private readonly memory: WebAssembly.Memory;
  private readonly instances: Map<number, Record<string, unknown>>;
  private top = HEADER_BYTES;

  constructor() {
    shared ??= { memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }), instances: new Map(), dirty: HEADER_BYTES };
    this.memory = shared.memory;
    this.instances = shared.instances;
    this.u8(0, HEADER_BYTES).fill(0);
  }

  /**
   * `bytes` of zeros (8-byte aligned); views made before an alloc may be stale after it. Only what an
   * earlier step used is cleared: pages no step has written are still the engine's zero pages, and
   * clearing them would make them resident.
   */
  alloc(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(bytes / 8) * 8;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE));
    const state = shared!;
    if (at < state.dirty) this.u8(at, Math.min(this.top, state.dirty) - at).fill(0);
    state.dirty = Math.max(state.dirty, this.top);
    return at;
  }

  u8(at: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, at, length);
  }

  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, length);
  }

  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, length);
  }

  slot(name: Slot, value?: number): number {
    const words = this.i32(0, HEADER_BYTES / 4);
    if (value !== undefined) words[SLOT[name]] = value;
    return words[SLOT[name]]!;
  }

  /**
   * Kernel `name` on its first copy that has some of its {@link PER_COPY} elements left: `room`
   * of them. The caller runs at most `room` elements and reports them with `spend`.
   */
  kernel(name: KernelName): { run: Kernel; room: number; spend(n: number): void } {
    let k = 0;
    while (k + 1 < MAX_COPIES && (usedOf(k)[name] ?? 0) >= PER_COPY[name]) k++;
    const m = Math.floor(k / COPIES[name]);
    let instance = this.instances.get(m);
    if (instance === undefined) {
      instance = new WebAssembly.Instance(compiled(m), { env: { memory: this.memory } }).exports;
      this.instances.set(m, instance);
    }
    // Only the last copy can be used up here: it takes whole ranges from then on.
    const spent = usedOf(k);
    const left = PER_COPY[name] - (spent[name] ?? 0);
    const room = left > 0 ? left : PER_COPY[name];
    const run = (instance[wasmEmitter.COPIES_TABLE] as WebAssembly.Table).get(slots[name][k % COPIES[name]]!) as Kernel;
    return { run, room, spend: (n) => void (spent[name] = (spent[name] ?? 0) + n) };
  }

  /**
   * Runs `call` over `[from, to)` in ranges that fit the modules' rooms.
   * @returns the first answer >= 0 (where a range stopped), or -1
   */
  over(name: KernelName, from: number, to: number, call: (k: Kernel, a: number, b: number) => number = (k, a, b) => k(a, b)): number {
    for (let a = from; a < to; ) {
      const k = this.kernel(name);
      const b = Math.min(to, a + k.room);
      const answer = call(k.run, a, b);
      k.spend(b - a);
      if (answer >= 0) return answer;
      a = b;
    }
    return -1;
  }
}

/** A step: null when the loader does not run, or the engine refused the module or the memory. */
export function job(): Job | null {
  if (!wasmLoaderActive() || loaderBytes() === null) return null;
  try {
    return new Job();
  } catch {
    return null;
  }
}

/** Copies `bytes[start, end)` into the job. @returns the address */
function copyIn(j: Job, bytes: Uint8Array, start: number, end: number): number {
  const at = j.alloc(end - start + 1);
  j.u8(at, end - start).set(bytes.subarray(start, end));
  return at;
}

/**
 * The packed varints of `bytes[start, end)` when each is at most 5 bytes with a value below 2^31
 * (a forest's ids and feature indices); null otherwise, for the codec's reader.
 */
export function wasmVarints(bytes: Uint8Array, start: number, end: number): Int32Array | null {
  const j = end - start <= MAX_RUN_BYTES ? job() : null;
  if (j === null) return null;
  const src = copyIn(j, bytes, start, end);
  // At most one varint per byte. The kernel's ranges write one after the other, and the values are
  // copied out once: fresh memory costs a page fault per 4 KiB touched (docs/edge.md).
  const out = j.alloc(4 * (end - start));
  const stop = src + (end - start);
  let count = 0;
  for (let pos = src; pos < stop; pos = j.slot('pos')) {
    const kernel = j.kernel('varints');
    const k = kernel.run(pos, stop, out + 4 * count, kernel.room);
    if (k < 0) return null;
    kernel.spend(k);
    count += k;
  }
  return j.i32(out, count).slice();
}

/**
 * The bounds (start, end pairs into `bytes`) of a run of one repeated bytes field with the one-byte
 * `tag`, from the length byte at `start` (its tag read) while the tag repeats before `end`, and the
 * position after the run; null when an element's length is not one byte that fits.
 */
export function wasmByteRun(bytes: Uint8Array, start: number, end: number, tag: number): { bounds: Int32Array; pos: number } | null {
  const j = tag < 0x80 && end - start <= MAX_RUN_BYTES ? job() : null;
  if (j === null) return null;
  const src = copyIn(j, bytes, start, end);
  // An element takes at least its length byte and the next one's tag: at most (end - start) / 2 + 1
  // elements, two i32 each, written one range after the other and copied out once.
  const out = j.alloc(8 * ((end - start) / 2 + 1));
  const stop = src + (end - start);
  const shift = start - src;
  let count = 0;
  for (let pos = src; ; pos = j.slot('pos')) {
    const kernel = j.kernel('byteRun');
    const k = kernel.run(pos, stop, tag, out + 8 * count, kernel.room, shift);
    if (k < 0) return null;
    kernel.spend(k);
    count += k;
    if (j.slot('done') === 1) return { bounds: j.i32(out, 2 * count).slice(), pos: j.slot('pos') + shift };
  }
}

/**
 * Element k's position among `names` (ASCII) per element, 255 for none, as ByteList.codes gives it:
 * elements are the `source` bytes between the pairs of `bounds`. Null for bounds that are not in order.
 */
export function wasmCodes(source: Uint8Array, bounds: Int32Array, names: readonly string[]): Uint8Array | null {
  const count = bounds.length / 2;
  const lo = bounds[0] ?? 0;
  const hi = bounds[bounds.length - 1] ?? 0;
  const j = count > 0 && lo >= 0 && lo <= hi && hi <= source.length ? job() : null;
  if (j === null) return null;
  const src = copyIn(j, source, lo, hi);
  const b = j.alloc(4 * bounds.length);
  const table = j.alloc(8 * names.length);
  const nameAt = names.map((n) => copyIn(j, Uint8Array.from(n, (c) => c.charCodeAt(0)), 0, n.length));
  const out = j.alloc(count);
  j.i32(b, bounds.length).set(bounds);
  j.i32(table, 2 * names.length).set(names.flatMap((n, k) => [nameAt[k]!, n.length]));
  const shift = src - lo;
  const bad = j.over('codes', 0, count, (k, a, z) => k(b, table, names.length, out, a, z, shift, src, src + (hi - lo)));
  return bad >= 0 ? null : j.u8(out, count).slice();
}
