/**
 * The one WebAssembly memory every kernel of this process runs on, shared by the worker threads
 * (../threads/) when the engine has SharedArrayBuffer. Kernels address it in bytes; JavaScript sees
 * it through typed-array views.
 *
 * Allocation is a bump pointer kept in the memory itself (word 0) and moved with a compare-and-swap,
 * so every thread can take space; nothing is ever returned to the engine (a WebAssembly memory
 * cannot shrink). Persistent buffers ({@link heapFloat32}) go back to a per-thread free list by size
 * class when their owner frees them; scratch space ({@link scratch}) belongs to one thread and is
 * replaced, never freed, when a call needs more, so it costs at most twice the largest request.
 */

const PAGE = 65536;
/** 2 GiB: byte addresses stay below 2^31, so they are safe as i32 on both sides. */
export const MAX_PAGES = 32768;
const INITIAL_PAGES = 16;
/** Allocations are 64-byte aligned (a cache line; f32x4 loads want 16). */
const ALIGN = 64;
/** Word 0 holds the bump pointer; the first cache line is the header. */
const HEADER_BYTES = 64;

let memory: WebAssembly.Memory | null = null;
let sharedMemory = false;
/** Every buffer object of the memory this thread has seen (a shared memory hands out a new one after each grow). */
const buffers = new WeakSet<ArrayBufferLike>();

/** The memory, created on first use (shared when SharedArrayBuffer exists). @throws when WebAssembly is missing */
export function heapMemory(): WebAssembly.Memory {
  if (memory === null) {
    sharedMemory = typeof SharedArrayBuffer !== 'undefined';
    const m = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: sharedMemory });
    new Int32Array(m.buffer)[0] = HEADER_BYTES;
    memory = m;
  }
  return memory;
}

/** True when the heap is a SharedArrayBuffer: views stay valid as it grows and threads can share it. */
export function heapIsShared(): boolean {
  heapMemory();
  return sharedMemory;
}

/** Makes this thread (a worker) use the caller's shared heap instead of creating its own. */
export function adoptHeap(shared: WebAssembly.Memory): void {
  memory = shared;
  sharedMemory = true;
}

/** The memory's current buffer, registered so {@link isHeapArray} recognizes views on it. */
export function heapBuffer(): ArrayBufferLike {
  const b = heapMemory().buffer;
  buffers.add(b);
  return b;
}

/** True when `a` is a view of the heap, so a kernel can address it at `a.byteOffset` without a copy. */
export function isHeapArray(a: ArrayBufferView): boolean {
  return buffers.has(a.buffer);
}

/**
 * Takes `bytes` (rounded up to 64) from the heap, growing it when needed.
 * @returns the byte address, or -1 when the heap would pass 2 GiB
 */
export function heapAlloc(bytes: number): number {
  const m = heapMemory();
  const header = new Int32Array(m.buffer, 0, 1);
  const size = Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
  for (;;) {
    const top = Atomics.load(header, 0);
    const end = top + size;
    if (end > MAX_PAGES * PAGE) return -1;
    if (Atomics.compareExchange(header, 0, top, end) !== top) continue;
    // Two threads may grow at once; each only needs the memory to reach its own end.
    while (m.buffer.byteLength < end) m.grow(Math.ceil((end - m.buffer.byteLength) / PAGE));
    return top;
  }
}

// This thread's scratch block.
let scratchAt = 0;
let scratchSize = 0;

/**
 * A block of at least `bytes` that only this thread uses, valid until its next call.
 * @returns the byte address, or -1 when the heap is full
 */
export function scratch(bytes: number): number {
  if (bytes > scratchSize) {
    const size = Math.max(bytes, 2 * scratchSize, 1 << 16);
    const at = heapAlloc(size);
    if (at < 0) return -1;
    scratchAt = at;
    scratchSize = size;
  }
  return scratchAt;
}

/** Free blocks of this thread by size class (class c holds 64 << c bytes). */
const freeBlocks: number[][] = [];
const blockClass = new WeakMap<Float32Array, number>();

/**
 * A Float32Array of `length` zeros living in the shared heap, so kernels use it in place and worker
 * threads see it. Give it back with {@link heapFree} when done (its owner knows when; views made from
 * it must not outlive that). A plain Float32Array when the heap is not shared (a growing unshared
 * memory would detach the view) or is full.
 */
export function heapFloat32(length: number): Float32Array {
  if (length === 0 || typeof WebAssembly !== 'object' || !heapIsShared()) return new Float32Array(length);
  const cls = Math.max(0, Math.ceil(Math.log2((length * 4) / ALIGN)));
  const at = freeBlocks[cls]?.pop() ?? heapAlloc(ALIGN << cls);
  if (at < 0) return new Float32Array(length);
  const view = new Float32Array(heapBuffer(), at, length);
  view.fill(0);
  blockClass.set(view, cls);
  return view;
}

/**
 * One {@link heapFloat32} block per length, all in the shared heap (for worker threads to address),
 * or null (and nothing held) when the heap is not shared or full.
 */
export function heapBlocks(lengths: readonly number[]): Float32Array[] | null {
  const blocks = lengths.map((n) => heapFloat32(Math.max(1, n)));
  if (blocks.every((b) => isHeapArray(b))) return blocks;
  blocks.forEach(heapFree);
  return null;
}

/** Returns a {@link heapFloat32} block to this thread's free list (a plain array is ignored). */
export function heapFree(a: Float32Array): void {
  const cls = blockClass.get(a);
  if (cls === undefined) return;
  blockClass.delete(a);
  (freeBlocks[cls] ??= []).push(a.byteOffset);
}

/** A Float32Array view of `length` floats at byte address `at` of the current buffer. */
export function heapView(at: number, length: number): Float32Array {
  return new Float32Array(heapBuffer(), at, length);
}
