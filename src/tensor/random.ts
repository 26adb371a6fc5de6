/**
 * Seeded pseudo-random numbers: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/),
 * state seeded by SplitMix32 from the integer seed. All arithmetic is 32-bit integer (`Math.imul`,
 * `>>>`), so the same seed gives the same sequence on every machine and Node version.
 * Normals use the Box–Muller transform (both values of a pair are used, in order).
 */
import { InvalidOptionError } from '../errors.js';

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic random generator. Pass it explicitly; dadm never uses `Math.random`. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = 0;
  private hasSpare = false;

  /** @param seed a non-negative safe integer */
  constructor(readonly seed: number = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new InvalidOptionError(`Random: seed must be a non-negative safe integer, got ${seed}`, 'seed');
    }
    // Mix both halves of the seed so seeds above 2^32 differ too.
    const st = { s: (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) | 0, 0x27d4eb2f) };
    this.s0 = splitMix32(st);
    this.s1 = splitMix32(st);
    this.s2 = splitMix32(st);
    this.s3 = splitMix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform double in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + std * this.spareNormal;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spareNormal = r * Math.sin(theta);
    this.hasSpare = true;
    return mean + std * r * Math.cos(theta);
  }

  /** Uniform integer in [low, high) without modulo bias. Requires high - low <= 2^32. */
  int(low: number, high: number): number {
    const range = high - low;
    if (!Number.isInteger(low) || !Number.isInteger(high) || range <= 0 || range > TWO_POW_32) {
      throw new InvalidOptionError(`Random.int: range must be integers with 0 < high - low <= 2^32, got [${low}, ${high})`, 'high');
    }
    // Rejection sampling: accept only values below the largest multiple of range.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % range);
  }

  /** Fills `out` with uniform values in [low, high) and returns it. */
  uniformFill<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  /** Fills `out` with normal values and returns it. */
  normalFill<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffleInPlace(p);
    return p;
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }

  /**
   * `k` distinct integers from 0..n-1 in random order (sampling without replacement, partial
   * Fisher–Yates). Memory is O(n) for an index array, or O(k) when k is small next to n: then only
   * the swapped entries are kept in a map, with the same draws and the same result.
   */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || k > n) {
      throw new InvalidOptionError(`Random.sampleWithoutReplacement: k must be an integer in [0, n=${n}], got ${k}`, 'k');
    }
    if (k * SPARSE_POOL_RATIO < n) return this.sampleSparse(n, k);
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < k; i++) {
      const j = this.int(i, n);
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
    }
    return pool.slice(0, k);
  }

  /** The partial Fisher–Yates of sampleWithoutReplacement on a map of the entries that moved. */
  private sampleSparse(n: number, k: number): Int32Array {
    const moved = new Map<number, number>();
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      const j = this.int(i, n);
      const atI = moved.get(i) ?? i;
      out[i] = moved.get(j) ?? j;
      // Position i is never drawn again (later j >= i + 1); j now holds what was at i.
      moved.set(j, atI);
      moved.delete(i);
    }
    return out;
  }
}

/** Below k = n / this, sampleWithoutReplacement keeps a map (~60 bytes an entry) instead of n int32s. */
const SPARSE_POOL_RATIO = 16;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
