/**
 * Row-wise reading of a large .npy: only the header is parsed up front, and each `readRows` call
 * reads just the bytes of the rows asked for, so memory does not grow with the data. A regular file
 * is read by position, rows in any order. Standard input as a stream (`-`, see stream-input.ts)
 * cannot seek: its rows are read once, in order, and the stream must end after the last one.
 */
import { closeSync, readSync } from 'node:fs';
import { DadmError, FormatError, InvalidOptionError, ShapeError } from '../errors.js';
import { HOST_LITTLE_ENDIAN, decodeToFloat32 } from './npy-dtype.js';
import { NPY_PREFIX_BYTES, parseNpyHeader, readNpyPrefix, type NpyHeader } from './npy-header.js';
import { openInputFile } from './input-file.js';
import { checkNpyDataLength, type NpyFileReadOptions } from './npy.js';
import { STDIN_FD, STDIN_NAME, STDIO_PATH, isStreamInput, isTerminal, readSomeSync } from './stream-input.js';

/** Scratch buffer size for dtypes that need conversion (float64, big-endian, integers). */
const CHUNK_BYTES = 1 << 20;

/** How {@link NpyRowReader} cuts a file into rows. */
export interface NpyRowOptions {
  /**
   * Rows over every axis but the last: a 3-D `[N, T, F]` file reads as `N * T` rows of `F` (the
   * windows form of sequence data). Default false: rows over the first axis, `cols = prod(rest)`.
   */
  rowsOverLeadingAxes?: boolean;
}

/**
 * Reads rows of a C-order .npy array of shape `[rows, ...rest]` as float32 rows of `cols = prod(rest)`
 * values (a 1-D array has `cols = 1`). Any dtype {@link readNpy} supports is converted on the fly.
 * Call {@link NpyRowReader.close} when done.
 */
export class NpyRowReader {
  /** The path as given (`-` for standard input). */
  readonly path: string;
  /** How messages name the data: the path, or `<stdin>` for `-`. */
  readonly source: string;
  readonly shape: number[];
  /** The dtype descr stored in the file. */
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  /** True for standard input: rows can only be read once, in order. */
  readonly sequential: boolean;
  private readonly header: NpyHeader;
  private fd: number | undefined;
  private scratch: Uint8Array | undefined;
  /** The next row of a stream (a file is read by position). */
  private nextRow = 0;

  /**
   * Opens `path` and parses its header: a regular file through the checked open
   * ({@link openInputFile}), or standard input for `-` and a piped `/dev/stdin`.
   * @throws InvalidOptionError when `path` is not a readable regular file (a FIFO, device or socket
   *   named by path is refused), or standard input is a terminal; FormatError for a bad header, a
   *   Fortran-order or 0-d array, or a data length that does not match the header (a file's trailing
   *   bytes are allowed only with `allowTrailingBytes`; a stream that holds rows after the declared
   *   ones is reported when they are reached)
   */
  constructor(path: string, options: NpyFileReadOptions & NpyRowOptions = {}) {
    this.path = path;
    this.sequential = isStreamInput(path);
    this.source = path === STDIO_PATH ? STDIN_NAME : path;
    const { fd, size } = this.sequential ? { fd: STDIN_FD, size: -1 } : openInputFile(path, { ...options, sizeLimit: null });
    try {
      if (this.sequential && isTerminal(fd)) {
        throw new InvalidOptionError(`${this.source}: .npy input must come from a pipe or a redirected file, got a terminal`, options.option ?? 'data');
      }
      const prefix = this.readUpTo(fd, new Uint8Array(NPY_PREFIX_BYTES), 0);
      const { headerStart, headerLength } = readNpyPrefix(prefix, this.source);
      // Every valid header is longer than the prefix: the rest follows it in a stream and in a file.
      const head = new Uint8Array(Math.max(prefix.length, headerStart + headerLength));
      head.set(prefix);
      const rest = this.readUpTo(fd, head.subarray(prefix.length), prefix.length);
      this.header = parseNpyHeader(head.subarray(0, prefix.length + rest.length), this.source);
      const { shape, fortranOrder } = this.header;
      if (fortranOrder && shape.length > 1) {
        throw new FormatError(`${this.source}: array must be stored in C order to be read by rows, got fortran_order=True (convert with numpy.ascontiguousarray and save again)`, this.source);
      }
      if (shape.length === 0) throw new FormatError(`${this.source}: array must have at least 1 dimension to be read by rows, got shape []`, this.source);
      if (!this.sequential) checkNpyDataLength(size, this.header, this.source, options);
    } catch (err) {
      if (!this.sequential) closeSync(fd);
      throw err;
    }
    this.fd = fd;
    this.shape = this.header.shape;
    this.dtype = this.header.dtype.descr;
    // C order keeps the last axis contiguous, so `[N, T, F]` read as N*T rows of F is the same bytes.
    const rowAxes = options.rowsOverLeadingAxes === true && this.shape.length > 1 ? this.shape.length - 1 : 1;
    this.rows = this.shape.slice(0, rowAxes).reduce((a, d) => a * d, 1);
    this.cols = this.shape.slice(rowAxes).reduce((a, d) => a * d, 1);
    if (this.sequential && this.rows === 0) this.checkEnd(fd);
  }

  /**
   * Reads rows `start .. start + count - 1` into `out` (or a new array) as float32. From a stream,
   * `start` must be the next unread row.
   * @returns `out` (or the new array) holding `[count, cols]` in its first count * cols entries.
   * @throws ShapeError when the rows are out of range (or out of order for a stream) or `out` is too
   *   short; FormatError when the data ends before the rows (a file truncated since it was opened,
   *   a stream that ended early) or a stream holds bytes after its last row
   */
  readRows(start: number, count: number, out?: Float32Array): Float32Array {
    const fd = this.openFd('readRows');
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > this.rows) {
      throw new ShapeError(`NpyRowReader.readRows: rows start..start+count must lie in [0, ${this.rows}], got start ${start}, count ${count}`);
    }
    if (this.sequential && start !== this.nextRow) {
      throw new ShapeError(`NpyRowReader.readRows: a stream must be read in order, rows ${this.nextRow}..${this.rows - 1} left, got start ${start}, count ${count}`);
    }
    const n = count * this.cols;
    const dst = out ?? new Float32Array(n);
    if (dst.length < n) throw new ShapeError(`NpyRowReader.readRows: out length must be >= count * cols = ${n}, got ${dst.length}`);
    // With no rows the width is not bounded by the file (shape (0, 2^40) holds 0 bytes): allocate nothing.
    if (count === 0) return dst;
    const { dtype } = this.header;
    if (dtype.kind === 'f' && dtype.itemSize === 4 && dtype.littleEndian === HOST_LITTLE_ENDIAN) {
      this.readData(fd, new Uint8Array(dst.buffer, dst.byteOffset, n * 4), start);
    } else {
      const rowBytes = this.cols * dtype.itemSize;
      const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes)));
      // At most the rows asked for, which the data holds: never more than its size.
      const scratchBytes = Math.min(chunkRows, count) * rowBytes;
      if (this.scratch === undefined || this.scratch.length < scratchBytes) this.scratch = new Uint8Array(scratchBytes);
      for (let done = 0; done < count; done += chunkRows) {
        const rows = Math.min(chunkRows, count - done);
        const bytes = this.scratch.subarray(0, rows * rowBytes);
        this.readData(fd, bytes, start + done);
        decodeToFloat32(bytes, 0, rows * this.cols, dtype, dst, done * this.cols);
      }
    }
    if (this.sequential) {
      this.nextRow += count;
      if (this.nextRow === this.rows) this.checkEnd(fd);
    }
    return dst;
  }

  /**
   * Reads rows `start .. start + count - 1` as stored (the file's dtype and byte order, `[count,
   * cols]` elements of `dtype` into `out`), for values float32 cannot hold exactly (int64 and
   * float64 timestamps). From a stream, `start` must be the next unread row.
   * @returns the first count * cols * itemSize bytes of `out`
   * @throws as {@link readRows}
   */
  readRowBytes(start: number, count: number, out: Uint8Array): Uint8Array {
    const fd = this.openFd('readRowBytes');
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > this.rows) {
      throw new ShapeError(`NpyRowReader.readRowBytes: rows start..start+count must lie in [0, ${this.rows}], got start ${start}, count ${count}`);
    }
    if (this.sequential && start !== this.nextRow) {
      throw new ShapeError(`NpyRowReader.readRowBytes: a stream must be read in order, rows ${this.nextRow}..${this.rows - 1} left, got start ${start}, count ${count}`);
    }
    const bytes = count * this.cols * this.header.dtype.itemSize;
    if (out.length < bytes) throw new ShapeError(`NpyRowReader.readRowBytes: out length must be >= ${bytes} bytes, got ${out.length}`);
    const dst = out.subarray(0, bytes);
    if (count === 0) return dst;
    this.readData(fd, dst, start);
    if (this.sequential) {
      this.nextRow += count;
      if (this.nextRow === this.rows) this.checkEnd(fd);
    }
    return dst;
  }

  /** Closes the file (standard input is left open); further reads throw. Closing twice is harmless. */
  close(): void {
    if (this.fd !== undefined && !this.sequential) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Fills `dst` with the bytes of the rows from `row` on. @throws FormatError when the data ends first */
  private readData(fd: number, dst: Uint8Array, row: number): void {
    const rowBytes = this.cols * this.header.dtype.itemSize;
    const position = this.header.dataOffset + row * rowBytes;
    const got = this.readUpTo(fd, dst, position).length;
    if (got === dst.length) return;
    if (this.sequential) {
      const rows = rowBytes > 0 ? row + Math.floor(got / rowBytes) : row;
      throw new FormatError(`${this.source}: stream must hold the ${this.rows} rows its header declares, got ${rows} (it ended early)`, this.source);
    }
    throw new FormatError(`${this.source}: file must hold ${dst.length} bytes at offset ${position}, got ${got} (file truncated since it was opened)`, this.source);
  }

  /**
   * Reads into `dst` until it is full or the data ends: a file at `position`, a stream where it
   * stands (its position is implied by the bytes read so far).
   * @returns the part of `dst` that was filled
   */
  private readUpTo(fd: number, dst: Uint8Array, position: number): Uint8Array {
    let got = 0;
    while (got < dst.length) {
      const n = this.sequential ? readSomeSync(fd, dst, got, dst.length - got) : readSync(fd, dst, got, dst.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return dst.subarray(0, got);
  }

  /** A stream must end after the declared rows: more bytes mean a wrong header or two arrays. */
  private checkEnd(fd: number): void {
    if (readSomeSync(fd, new Uint8Array(1), 0, 1) > 0) {
      throw new FormatError(`${this.source}: stream must end after the ${this.rows} rows its header declares, got more bytes`, this.source);
    }
  }

  private openFd(method: string): number {
    if (this.fd === undefined) throw new DadmError(`NpyRowReader.${method}: reader must be open, got closed (${this.source})`);
    return this.fd;
  }
}
