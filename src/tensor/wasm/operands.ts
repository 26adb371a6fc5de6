/**
 * Puts a kernel call's operands where the WebAssembly code can address them: a view of the heap is
 * used in place; any other Float32Array is copied into this thread's scratch block (and an output
 * copied back by {@link copyBack}). Calls do not nest, so one cursor per thread suffices:
 * {@link reserve} starts a call, each {@link place} takes the next scratch slot.
 */
import { heapBuffer, isHeapArray, scratch } from './heap.js';

let cursor = 0;
let view: Float32Array = new Float32Array(0);
let bytes: Uint8Array = new Uint8Array(0);
let doubles: Float64Array = new Float64Array(0);

/** The heap as floats, refreshed when the memory has grown. */
export function heapFloats(): Float32Array {
  const buffer = heapBuffer();
  if (view.buffer !== buffer) view = new Float32Array(buffer);
  return view;
}

/** The heap as float64s, refreshed when the memory has grown. */
function heapDoubles(): Float64Array {
  const buffer = heapBuffer();
  if (doubles.buffer !== buffer) doubles = new Float64Array(buffer);
  return doubles;
}

/** The heap as bytes, refreshed when the memory has grown. */
function heapBytes(): Uint8Array {
  const buffer = heapBuffer();
  if (bytes.buffer !== buffer) bytes = new Uint8Array(buffer);
  return bytes;
}

/** Copies `a` (bytes, e.g. quantized activations) into the next scratch slot, 16 bytes of slack after it. */
export function placeBytes(a: Uint8Array | Int8Array): number {
  const at = cursor;
  cursor += Math.ceil((a.length + 16) / 64) * 64;
  heapBytes().set(a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.length), at);
  return at;
}

/** Bytes a copy of `length` floats takes in scratch (64-byte slots), or 0 for a heap array. */
export function slot(a: Float32Array, length: number): number {
  return isHeapArray(a) ? 0 : Math.ceil((length * 4) / 64) * 64;
}

/** Starts a call needing `bytes` of scratch. @returns false when the heap is full (take the JS path) */
export function reserve(bytes: number): boolean {
  const at = scratch(bytes);
  cursor = at;
  return at >= 0;
}

/**
 * The byte address of `a[offset .. offset + length)` for a kernel: in place for a heap array, else
 * the next scratch slot, filled from `a` when `copy` (inputs, and outputs that are added to).
 */
export function place(a: Float32Array, offset: number, length: number, copy: boolean): number {
  if (isHeapArray(a)) return a.byteOffset + offset * 4;
  const at = cursor;
  cursor += Math.ceil((length * 4) / 64) * 64;
  if (copy) {
    const heap = heapFloats();
    const base = at >> 2;
    if (length <= 32) for (let i = 0; i < length; i++) heap[base + i] = a[offset + i]!;
    else heap.set(offset === 0 && length === a.length ? a : a.subarray(offset, offset + length), base);
  }
  return at;
}

/** A scratch slot of `bytes` for the kernel's own use (packing, edge tiles). */
export function scratchSlot(bytes: number): number {
  const at = cursor;
  cursor += Math.ceil(bytes / 64) * 64;
  return at;
}

/** Copies an output the kernel wrote at `at` back into `a[offset ..]` unless `a` is a heap array. */
export function copyBack(a: Float32Array, offset: number, length: number, at: number): void {
  if (isHeapArray(a)) return;
  const heap = heapFloats();
  const base = at >> 2;
  if (length <= 32) for (let i = 0; i < length; i++) a[offset + i] = heap[base + i]!;
  else a.set(heap.subarray(base, base + length), offset);
}

/** Copies `length` float64s a kernel wrote at `at` (8-byte aligned) into `a`, without a view. */
export function copyDoublesBack(a: Float32Array | Float64Array, length: number, at: number): void {
  const heap = heapDoubles();
  const base = at >> 3;
  for (let i = 0; i < length; i++) a[i] = heap[base + i]!;
}
