/**
 * Row-wise reading of an .npy stream that cannot seek: standard input (`-`), a pipe, a FIFO. The
 * header is read first, then rows strictly in order, each call reading just the bytes of the rows
 * asked for, so memory does not grow with the stream. {@link NpyRowReader} is the twin for regular
 * files (read by position, in any order).
 */
import { closeSync, openSync } from 'node:fs';
import { DadmError, FormatError, InvalidOptionError, ShapeError } from '../errors.js';
import { HOST_LITTLE_ENDIAN, decodeToFloat32 } from './npy-dtype.js';
import { NPY_PREFIX_BYTES, parseNpyHeader, readNpyPrefix, type NpyHeader } from './npy-header.js';
import { STDIN_NAME, STDIO_PATH, isTerminal, readSomeSync } from './stream-input.js';

/** Scratch buffer size for dtypes that need conversion (float64, big-endian, integers). */
const CHUNK_BYTES = 1 << 20;

/**
 * What the data readers share: `[rows, cols]` float32 rows of an .npy array `[rows, ...rest]`
 * (cols = prod(rest)). {@link NpyRowReader} reads any rows; an {@link NpyStreamReader} (`sequential`)
 * only the next ones.
 */
export interface NpyRowSource {
  /** The path as given (`-` for standard input). */
  readonly path: string;
  readonly shape: number[];
  /** The dtype descr stored in the file. */
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  /** True when rows can only be read once, in order (absent = any order). */
  readonly sequential?: boolean;
  /** Rows `start .. start + count - 1` as float32 into `out` (or a new array). */
  readRows(start: number, count: number, out?: Float32Array): Float32Array;
  close(): void;
}

/**
 * Reads a C-order .npy array from a stream, rows in order. Any dtype {@link readNpy} supports is
 * converted on the fly. Call {@link NpyStreamReader.close} when done (standard input stays open).
 */
export class NpyStreamReader implements NpyRowSource {
  readonly path: string;
  /** How messages name the stream: the path, or `<stdin>`. */
  readonly source: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  readonly sequential = true;
  private readonly header: NpyHeader;
  private readonly ownsFd: boolean;
  private fd: number | undefined;
  private nextRow = 0;
  private scratch: Uint8Array | undefined;

  /**
   * Opens the stream (`-` = standard input; anything else is opened by path) and reads its header.
   * @throws InvalidOptionError when standard input is a terminal (nobody types .npy bytes)
   * @throws FormatError for a bad header, a Fortran-order or 0-d array, or a stream that ends inside the header
   */
  constructor(path: string) {
    this.path = path;
    this.source = path === STDIO_PATH ? STDIN_NAME : path;
    this.ownsFd = path !== STDIO_PATH;
    const fd = this.ownsFd ? openSync(path, 'r') : 0;
    try {
      if (isTerminal(fd)) {
        throw new InvalidOptionError(`${this.source}: .npy input must come from a pipe or a redirected file, got a terminal`, 'data');
      }
      const prefix = readExactly(fd, NPY_PREFIX_BYTES);
      const { headerStart, headerLength } = readNpyPrefix(prefix, this.source);
      const head = new Uint8Array(headerStart + headerLength);
      head.set(prefix.subarray(0, Math.min(prefix.length, head.length)));
      // A version-1 header starts at byte 10: the prefix read already holds its first 2 bytes.
      if (head.length > prefix.length) head.set(readExactly(fd, head.length - prefix.length), prefix.length);
      this.header = parseNpyHeader(head, this.source);
      const { shape, fortranOrder } = this.header;
      if (fortranOrder && shape.length > 1) {
        throw new FormatError(`${this.source}: array must be stored in C order to be read by rows, got fortran_order=True (convert with numpy.ascontiguousarray and save again)`, this.source);
      }
      if (shape.length === 0) throw new FormatError(`${this.source}: array must have at least 1 dimension to be read by rows, got shape []`, this.source);
    } catch (err) {
      if (this.ownsFd) closeSync(fd);
      throw err;
    }
    this.fd = fd;
    this.shape = this.header.shape;
    this.dtype = this.header.dtype.descr;
    this.rows = this.shape[0]!;
    this.cols = this.shape.slice(1).reduce((a, d) => a * d, 1);
    if (this.rows === 0) this.checkEnd();
  }

  /**
   * Reads the next `count` rows, which must start at `start` (the rows read so far), into `out` (or a
   * new array) as float32. After the last row the stream must end.
   * @throws ShapeError when `start` is not the next row, the rows run past the end or `out` is too
   *   short; FormatError when the stream ends early or holds bytes after the last row
   */
  readRows(start: number, count: number, out?: Float32Array): Float32Array {
    const fd = this.openFd('readRows');
    if (!Number.isSafeInteger(count) || count < 0 || start !== this.nextRow || start + count > this.rows) {
      throw new ShapeError(`NpyStreamReader.readRows: a stream must be read in order, rows ${this.nextRow}..${this.rows - 1} left, got start ${start}, count ${count}`);
    }
    const n = count * this.cols;
    const dst = out ?? new Float32Array(n);
    if (dst.length < n) throw new ShapeError(`NpyStreamReader.readRows: out length must be >= count * cols = ${n}, got ${dst.length}`);
    const { dtype } = this.header;
    const rowBytes = this.cols * dtype.itemSize;
    if (dtype.kind === 'f' && dtype.itemSize === 4 && dtype.littleEndian === HOST_LITTLE_ENDIAN) {
      this.fill(fd, new Uint8Array(dst.buffer, dst.byteOffset, n * 4), start);
    } else {
      const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes)));
      const scratchBytes = Math.min(chunkRows, count) * rowBytes;
      if (this.scratch === undefined || this.scratch.length < scratchBytes) this.scratch = new Uint8Array(scratchBytes);
      for (let done = 0; done < count; done += chunkRows) {
        const rows = Math.min(chunkRows, count - done);
        const bytes = this.scratch.subarray(0, rows * rowBytes);
        this.fill(fd, bytes, start + done);
        decodeToFloat32(bytes, 0, rows * this.cols, dtype, dst, done * this.cols);
      }
    }
    this.nextRow += count;
    if (this.nextRow === this.rows && count > 0) this.checkEnd();
    return dst;
  }

  /** Closes the stream (standard input is left open); further reads throw. Closing twice is harmless. */
  close(): void {
    if (this.fd !== undefined && this.ownsFd) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Fills `dst` with the bytes of the rows from `row` on. @throws FormatError when the stream ends first */
  private fill(fd: number, dst: Uint8Array, row: number): void {
    let got = 0;
    while (got < dst.length) {
      const n = readSomeSync(fd, dst, got, dst.length - got);
      if (n === 0) {
        const rowBytes = this.cols * this.header.dtype.itemSize;
        const rows = rowBytes > 0 ? row + Math.floor(got / rowBytes) : row;
        throw new FormatError(`${this.source}: stream must hold the ${this.rows} rows its header declares, got ${rows} (it ended early)`, this.source);
      }
      got += n;
    }
  }

  /** The stream must end after the declared rows: trailing bytes mean a wrong header or two arrays. */
  private checkEnd(): void {
    const extra = readSomeSync(this.openFd('readRows'), new Uint8Array(1), 0, 1);
    if (extra > 0) throw new FormatError(`${this.source}: stream must end after the ${this.rows} rows its header declares, got more bytes`, this.source);
  }

  private openFd(method: string): number {
    if (this.fd === undefined) throw new DadmError(`NpyStreamReader.${method}: reader must be open, got closed (${this.source})`);
    return this.fd;
  }
}

/** Reads `length` bytes, or fewer when the stream ends first (the header parser reports that). */
function readExactly(fd: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSomeSync(fd, buf, got, length - got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
