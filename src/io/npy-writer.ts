/**
 * Streaming .npy writer for arrays too large to hold in memory: the header is written for a declared
 * shape, row batches are appended, and `finish` renames the completed temporary file over the target.
 */
import { DadmError, InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { AtomicStreamFile } from './atomic-stream-file.js';
import { HOST_LITTLE_ENDIAN, swapBytesInPlace } from './npy-dtype.js';
import { formatNpyHeader } from './npy-header.js';

/** Options of {@link NpyWriter}. */
export interface NpyWriterOptions {
  /** Final shape `[rows, ...rest]`; every appended batch holds whole rows of prod(rest) values. */
  shape: readonly number[];
  /**
   * Element type stored in the file. Default `'float32'` (`<f4`). Integer files (`'int32'` `<i4`,
   * `'uint8'` `|u1`: host ids, labels) take batches of exactly that array type.
   */
  dtype?: NpyWriterDtype;
}

/** Element types {@link NpyWriter} writes. */
export type NpyWriterDtype = 'float32' | 'float64' | 'int32' | 'uint8';

const DESCR: Record<NpyWriterDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', uint8: '|u1' };
const INTEGER_ARRAYS = { int32: Int32Array, uint8: Uint8Array } as const;

/** Conversion scratch size in elements, when the batch type differs from the file's dtype. */
const CHUNK_ELEMENTS = 1 << 16;

/**
 * Writes a C-order .npy file of known shape in row batches. Nothing appears at `path` until
 * {@link NpyWriter.finish} succeeds; {@link NpyWriter.abort} (or a failed finish) removes the temp file.
 */
export class NpyWriter {
  readonly path: string;
  readonly shape: readonly number[];
  readonly dtype: NpyWriterDtype;
  /** Values per row, prod(shape[1:]). */
  readonly cols: number;
  private rowsWritten = 0;
  private readonly file: AtomicStreamFile;
  private scratch: Float32Array | Float64Array | undefined;

  /**
   * Creates the temporary file next to `path` and writes the header.
   * @throws ShapeError for a shape that is not a non-empty list of non-negative integers;
   *   InvalidOptionError for an unknown dtype, or naming `path` (not the temporary file) when the
   *   file cannot be created, e.g. its folder does not exist.
   */
  constructor(path: string, options: NpyWriterOptions) {
    const { shape, dtype = 'float32' } = options;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ShapeError(`NpyWriter: shape must be a non-empty array of non-negative integers, got ${JSON.stringify(shape)}`, 'NpyWriter');
    }
    if (!Object.hasOwn(DESCR, dtype)) {
      throw new InvalidOptionError(`NpyWriter: dtype must be 'float32', 'float64', 'int32' or 'uint8', got ${JSON.stringify(dtype)}`, 'dtype');
    }
    this.path = path;
    this.shape = [...shape];
    this.dtype = dtype;
    this.cols = shape.slice(1).reduce((a, d) => a * d, 1);
    this.file = new AtomicStreamFile(path);
    this.file.write(formatNpyHeader(DESCR[dtype], false, shape));
  }

  /** Rows appended so far. */
  get rowCount(): number {
    return this.rowsWritten;
  }

  /**
   * Appends whole rows `[k, cols]` in C order, converting to the file's dtype (float64 → float32 rounds).
   * @throws ShapeError when the length is not a multiple of `cols` or the rows would exceed `shape[0]`;
   *   InvalidOptionError naming `path` when the write fails (e.g. a full disk; the writer is aborted).
   */
  append(batch: Float32Array | Float64Array | Int32Array | Uint8Array): void {
    this.checkOpen('append');
    const integer = this.dtype === 'int32' || this.dtype === 'uint8' ? INTEGER_ARRAYS[this.dtype] : undefined;
    if (integer !== undefined ? !(batch instanceof integer) : !(batch instanceof Float32Array || batch instanceof Float64Array)) {
      const want = integer !== undefined ? `an ${integer.name}` : 'a Float32Array or Float64Array';
      throw new InvalidOptionError(`NpyWriter.append: batch must be ${want}, got ${batch?.constructor?.name ?? typeof batch}`, 'batch');
    }
    const rows = this.cols === 0 ? 0 : batch.length / this.cols;
    if (!Number.isInteger(rows) || (this.cols === 0 && batch.length !== 0)) {
      throw new ShapeError(`NpyWriter.append: batch length must be a multiple of ${this.cols} (row of ${fmtShape(this.shape.slice(1))}), got ${batch.length}`, 'NpyWriter');
    }
    if (this.rowsWritten + rows > this.shape[0]!) {
      throw new ShapeError(`NpyWriter.append: total rows must be <= ${this.shape[0]}, got ${this.rowsWritten} + ${rows}`, 'NpyWriter');
    }
    // A failed write aborts the file: a partly written batch would misalign every later row.
    this.writeBatch(batch);
    this.rowsWritten += rows;
  }

  private writeBatch(batch: Float32Array | Float64Array | Int32Array | Uint8Array): void {
    if (batch instanceof Int32Array || batch instanceof Uint8Array) {
      const bytes = new Uint8Array(batch.buffer, batch.byteOffset, batch.byteLength);
      if (HOST_LITTLE_ENDIAN || batch.BYTES_PER_ELEMENT === 1) {
        this.file.write(bytes);
      } else {
        const swapped = bytes.slice();
        swapBytesInPlace(swapped, batch.BYTES_PER_ELEMENT);
        this.file.write(swapped);
      }
      return;
    }
    const wantF32 = this.dtype === 'float32';
    if (wantF32 === batch instanceof Float32Array && HOST_LITTLE_ENDIAN) {
      this.file.write(new Uint8Array(batch.buffer, batch.byteOffset, batch.byteLength));
    } else {
      this.scratch ??= wantF32 ? new Float32Array(CHUNK_ELEMENTS) : new Float64Array(CHUNK_ELEMENTS);
      const scratch = this.scratch;
      for (let at = 0; at < batch.length; at += CHUNK_ELEMENTS) {
        const part = batch.subarray(at, Math.min(batch.length, at + CHUNK_ELEMENTS));
        scratch.set(part); // typed-array set converts between float widths
        const bytes = new Uint8Array(scratch.buffer, 0, part.length * scratch.BYTES_PER_ELEMENT);
        if (!HOST_LITTLE_ENDIAN) swapBytesInPlace(bytes, scratch.BYTES_PER_ELEMENT);
        this.file.write(bytes);
      }
    }
  }

  /**
   * Checks that exactly `shape[0]` rows were written, fsyncs and renames the file into place.
   * @throws ShapeError when fewer rows were written (the temporary file is removed); InvalidOptionError
   *   naming `path` when the fsync or rename fails (the temporary file is removed).
   */
  finish(): void {
    this.checkOpen('finish');
    if (this.rowsWritten !== this.shape[0]) {
      this.abort();
      throw new ShapeError(`NpyWriter.finish: rows written must equal shape[0] = ${this.shape[0]}, got ${this.rowsWritten} (nothing was written to ${this.path})`, 'NpyWriter');
    }
    this.file.finish();
  }

  /** Discards everything written; `path` is left as it was. Harmless after finish or abort. */
  abort(): void {
    this.file.abort();
  }

  private checkOpen(method: string): void {
    if (!this.file.open) throw new DadmError(`NpyWriter.${method}: writer must be open, got finished or aborted (${this.path})`);
  }
}
