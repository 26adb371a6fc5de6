/**
 * A repeated bytes/string field decoded without an object per element (see {@link byteList} fields
 * and `CodecOptions.compactLists`): element i is `source[bounds[2i] .. bounds[2i+1])`. A forest's
 * `nodes_modes` holds one short string per node (~10^5 of them); as one Uint8Array view each they
 * cost more memory than every number array of the forest together.
 */
export class ByteList {
  private bounds = new Int32Array(16);
  /** How many elements the list holds. */
  length = 0;

  /** @param source the bytes the elements lie in (the decoder's input) */
  constructor(readonly source: Uint8Array) {}

  /** Appends the element at `source[start .. end)` (the decoder's side). */
  push(start: number, end: number): void {
    if (2 * this.length === this.bounds.length) {
      const grown = new Int32Array(2 * this.bounds.length);
      grown.set(this.bounds);
      this.bounds = grown;
    }
    this.bounds[2 * this.length] = start;
    this.bounds[2 * this.length + 1] = end;
    this.length++;
  }

  /** Appends the elements whose (start, end) pairs into the source `pairs` holds, in order (a bulk reader's side). */
  append(pairs: Int32Array): void {
    const need = 2 * this.length + pairs.length;
    if (need > this.bounds.length) {
      const grown = new Int32Array(Math.max(need, 2 * this.bounds.length));
      grown.set(this.bounds.subarray(0, 2 * this.length));
      this.bounds = grown;
    }
    this.bounds.set(pairs, 2 * this.length);
    this.length += pairs.length >> 1;
  }

  /** The (start, end) pairs into the source, two per element in order: a view, read only. */
  pairs(): Int32Array {
    return this.bounds.subarray(0, 2 * this.length);
  }

  /** Element i as a view into the source, made on request. */
  at(i: number): Uint8Array {
    return this.source.subarray(this.bounds[2 * i], this.bounds[2 * i + 1]);
  }

  /** The elements as views into the source, made one by one. */
  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /**
   * Element i's position in `names` (compared byte by byte as ASCII) per element, 255 for an element
   * equal to none of them: an enum-valued list as one byte array, with no string made per element.
   */
  codes(names: readonly string[]): Uint8Array {
    const ascii = names.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
    const out = new Uint8Array(this.length).fill(NO_CODE);
    for (let i = 0; i < this.length; i++) {
      const start = this.bounds[2 * i]!;
      const n = this.bounds[2 * i + 1]! - start;
      for (let k = 0; k < ascii.length; k++) {
        const name = ascii[k]!;
        if (name.length !== n) continue;
        let j = 0;
        while (j < n && this.source[start + j] === name[j]) j++;
        if (j === n) {
          out[i] = k;
          break;
        }
      }
    }
    return out;
  }
}

/** The code {@link ByteList.codes} gives an element equal to none of the names. */
export const NO_CODE = 255;
