/**
 * Generic mutations shared by every fuzz target: random choices from one seeded generator, the
 * "interesting" numbers that break size arithmetic (0, powers of two and their neighbours, 2^31, 2^32,
 * 2^53, negatives), and byte-level edits (flips, overwrites with interesting integers, inserts,
 * deletions, truncation, splices).
 */
import { concatBytes as concat } from '../../src/io/zip.js';
import { Random } from '../../src/tensor/index.js';

/** Random choices for the mutators; everything derives from one seed, so an input is reproducible. */
export class Rng {
  private readonly random: Random;

  constructor(seed: number) {
    this.random = new Random(seed);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.random.int(0, Math.min(n, 2 ** 32));
  }

  chance(p: number): boolean {
    return this.random.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** A size-breaking integer: 0, small counts, powers of two ± 1 up to 2^64, negatives. */
  interesting(): number {
    if (this.chance(0.3)) return this.below(9);
    const p = this.pick([7, 8, 15, 16, 24, 31, 32, 33, 48, 53, 63, 64]);
    const v = 2 ** p + this.pick([-1, 0, 0, 1]);
    return this.chance(0.15) ? -v : v;
  }
}

/** Writes `value` as a little-endian integer of `width` bytes at `at` (two's complement for negatives). */
export function writeInt(bytes: Uint8Array, at: number, width: number, value: number): void {
  let v = BigInt.asUintN(64, BigInt(Math.trunc(Math.max(Math.min(value, 2 ** 64), -(2 ** 63)))));
  for (let i = 0; i < width && at + i < bytes.length; i++) {
    bytes[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** One to `maxEdits` byte-level edits of a copy of `seed`; `others` feed splices. */
export function mutateBytes(rng: Rng, seed: Uint8Array, others: readonly Uint8Array[] = [], maxEdits = 4): Uint8Array {
  let b: Uint8Array = seed.slice();
  const edits = 1 + rng.below(maxEdits);
  for (let e = 0; e < edits; e++) {
    const at = rng.below(Math.max(1, b.length));
    switch (rng.below(7)) {
      case 0:
        if (b.length > 0) b[at]! ^= 1 << rng.below(8);
        break;
      case 1:
        if (b.length > 0) b[at] = rng.pick([0, 0xff, 0x7f, 0x80, 0x20, 0x30 + rng.below(10)]);
        break;
      case 2:
        writeInt(b, at, rng.pick([1, 2, 4, 8]), rng.interesting());
        break;
      case 3: {
        const extra = Uint8Array.from({ length: 1 + rng.below(16) }, () => rng.below(256));
        b = concat([b.subarray(0, at), extra, b.subarray(at)]);
        break;
      }
      case 4:
        b = concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.below(32)))]);
        break;
      case 5:
        b = b.slice(0, at);
        break;
      default: {
        const other = others.length > 0 ? rng.pick(others) : b;
        const from = rng.below(Math.max(1, other.length));
        b = concat([b.subarray(0, at), other.subarray(from, from + 1 + rng.below(64)), b.subarray(at)]);
      }
    }
  }
  return b;
}
