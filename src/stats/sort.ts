/** Sorting float samples (the binary searches are tensor's `lowerBound`/`upperBound`). */
import type { FloatArray } from './validate.js';

const RADIX_MIN_LENGTH = 512;

/**
 * Returns a new array with the values of `data` in ascending numeric order (same element type).
 * Float32Array input of 512+ values uses an LSD radix sort on order-preserving bit keys
 * (3 passes of 11/11/10 bits); smaller arrays and Float64Array use the numeric typed-array sort.
 * `-0` sorts before `+0` in both paths. Callers must have rejected NaN.
 */
export function sortAscending<T extends FloatArray>(data: T): T {
  if (data instanceof Float32Array && data.length >= RADIX_MIN_LENGTH) return radixSortFloat32(data) as T;
  return data.slice().sort() as T;
}

function radixSortFloat32(data: Float32Array): Float32Array {
  const n = data.length;
  const bits = new Uint32Array(data.buffer, data.byteOffset, n);
  let keys = new Uint32Array(n);
  let tmp = new Uint32Array(n);
  const hist = new Uint32Array(2048 * 3);
  for (let i = 0; i < n; i++) {
    const b = bits[i]!;
    // Negative floats: flip every bit (larger magnitude sorts first); positive: flip the sign bit.
    const k = (b ^ ((b >> 31) | 0x80000000)) >>> 0;
    keys[i] = k;
    hist[k & 0x7ff]!++;
    hist[2048 + ((k >>> 11) & 0x7ff)]!++;
    hist[4096 + (k >>> 22)]!++;
  }
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * 2048;
    const shift = pass * 11;
    let sum = 0;
    let single = false;
    for (let d = 0; d < 2048; d++) {
      const c = hist[base + d]!;
      if (c === n) single = true;
      hist[base + d] = sum;
      sum += c;
    }
    if (single) continue; // every key has the same digit: this pass would not move anything
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const slot = base + ((k >>> shift) & 0x7ff);
      tmp[hist[slot]!++] = k;
    }
    const t = keys;
    keys = tmp;
    tmp = t;
  }
  const out = new Float32Array(n);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    outBits[i] = k & 0x80000000 ? k ^ 0x80000000 : ~k;
  }
  return out;
}
