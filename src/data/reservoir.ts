/**
 * Reservoir sampling of whole rows (Vitter's Algorithm R, https://doi.org/10.1145/3147.3165): a
 * uniform sample of at most `capacity` rows from a stream of unknown length, in O(capacity) memory.
 */
import { Random } from '../tensor/index.js';

/** A bounded uniform row sample, filled by {@link ReservoirSampler.offer}. */
export class ReservoirSampler {
  readonly capacity: number;
  readonly cols: number;
  /** [capacity, cols] row-major; only the first `size` rows are valid. */
  readonly rows: Float32Array;
  /** [capacity] file row index of each sampled row. */
  readonly index: Float64Array;
  private seen = 0;
  private readonly rng: Random;

  constructor(capacity: number, cols: number, seed: number) {
    this.capacity = capacity;
    this.cols = cols;
    this.rows = new Float32Array(capacity * cols);
    this.index = new Float64Array(capacity);
    this.rng = new Random(seed);
  }

  /** Rows held (min(capacity, rows offered)). */
  get size(): number {
    return Math.min(this.seen, this.capacity);
  }

  /** Offers row `i` of `data` (`[*, cols]`), whose file row index is `fileRow`. */
  offer(data: Float32Array, i: number, fileRow: number): void {
    const n = this.seen++;
    const slot = n < this.capacity ? n : this.rng.int(0, n + 1);
    if (slot >= this.capacity) return;
    this.rows.set(data.subarray(i * this.cols, (i + 1) * this.cols), slot * this.cols);
    this.index[slot] = fileRow;
  }

  /** The sample `[size, cols]` ordered by file row (a copy), with its row indices. */
  sorted(): { rows: Float32Array; index: Float64Array } {
    const size = this.size;
    const order = Array.from({ length: size }, (_, k) => k).sort((a, b) => this.index[a]! - this.index[b]!);
    const rows = new Float32Array(size * this.cols);
    const index = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const s = order[k]!;
      rows.set(this.rows.subarray(s * this.cols, (s + 1) * this.cols), k * this.cols);
      index[k] = this.index[s]!;
    }
    return { rows, index };
  }
}
