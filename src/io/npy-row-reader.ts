/**
 * Row-wise reading of a large .npy file by file position: only the header is parsed up front, and each
 * `readRows` call reads just the bytes of the rows asked for, so memory use does not grow with the file.
 */
import { closeSync, readSync } from 'node:fs';
import { DadmError, FormatError, ShapeError } from '../errors.js';
import { HOST_LITTLE_ENDIAN, decodeToFloat32 } from './npy-dtype.js';
import { NPY_PREFIX_BYTES, parseNpyHeader, readNpyPrefix, type NpyHeader } from './npy-header.js';
import { openInputFile } from './input-file.js';
import { checkNpyDataLength, type NpyFileReadOptions } from './npy.js';

/** Scratch buffer size for dtypes that need conversion (float64, big-endian, integers). */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads rows of a C-order .npy file of shape `[rows, ...rest]` as float32 rows of `cols = prod(rest)`
 * values (a 1-D file has `cols = 1`). Any dtype {@link readNpy} supports is converted on the fly.
 * Call {@link NpyRowReader.close} when done.
 */
export class NpyRowReader {
  readonly path: string;
  readonly shape: number[];
  /** The dtype descr stored in the file. */
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  private readonly header: NpyHeader;
  private fd: number | undefined;
  private scratch: Uint8Array | undefined;

  /**
   * Opens `path` (a regular file, see {@link openInputFile}) and parses its header.
   * @throws InvalidOptionError when `path` is not a readable regular file; FormatError for a bad header, a Fortran-order or 0-d array, or a data length that does not
   *   match the header (trailing bytes allowed only with `allowTrailingBytes`).
   */
  constructor(path: string, options: NpyFileReadOptions = {}) {
    this.path = path;
    const { fd, size } = openInputFile(path, { ...options, sizeLimit: null });
    try {
      const prefix = readHead(fd, NPY_PREFIX_BYTES);
      const { headerStart, headerLength } = readNpyPrefix(prefix, path);
      this.header = parseNpyHeader(readHead(fd, headerStart + headerLength), path);
      const { shape, fortranOrder } = this.header;
      if (fortranOrder && shape.length > 1) {
        throw new FormatError(`${path}: array must be stored in C order to be read by rows, got fortran_order=True (convert with numpy.ascontiguousarray and save again)`, path);
      }
      if (shape.length === 0) throw new FormatError(`${path}: array must have at least 1 dimension to be read by rows, got shape []`, path);
      checkNpyDataLength(size, this.header, path, options);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
    this.shape = this.header.shape;
    this.dtype = this.header.dtype.descr;
    this.rows = this.shape[0]!;
    this.cols = this.shape.slice(1).reduce((a, d) => a * d, 1);
  }

  /**
   * Reads rows `start .. start + count - 1` into `out` (or a new array) as float32.
   * @returns `out` (or the new array) holding `[count, cols]` in its first count * cols entries.
   * @throws ShapeError when the rows are out of range or `out` is too short; FormatError when the file
   *   became shorter since it was opened.
   */
  readRows(start: number, count: number, out?: Float32Array): Float32Array {
    const fd = this.openFd('readRows');
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > this.rows) {
      throw new ShapeError(`NpyRowReader.readRows: rows start..start+count must lie in [0, ${this.rows}], got start ${start}, count ${count}`);
    }
    const n = count * this.cols;
    const dst = out ?? new Float32Array(n);
    if (dst.length < n) throw new ShapeError(`NpyRowReader.readRows: out length must be >= count * cols = ${n}, got ${dst.length}`);
    // With no rows the width is not bounded by the file (shape (0, 2^40) holds 0 bytes): allocate nothing.
    if (count === 0) return dst;
    const { dtype, dataOffset } = this.header;
    const rowBytes = this.cols * dtype.itemSize;
    const position = dataOffset + start * rowBytes;
    if (dtype.kind === 'f' && dtype.itemSize === 4 && dtype.littleEndian === HOST_LITTLE_ENDIAN) {
      readInto(fd, new Uint8Array(dst.buffer, dst.byteOffset, n * 4), position, this.path);
      return dst;
    }
    const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes)));
    // At most the rows asked for, which the file holds: never more than the file's size.
    const scratchBytes = Math.min(chunkRows, count) * rowBytes;
    if (this.scratch === undefined || this.scratch.length < scratchBytes) this.scratch = new Uint8Array(scratchBytes);
    for (let done = 0; done < count; done += chunkRows) {
      const rows = Math.min(chunkRows, count - done);
      const bytes = this.scratch.subarray(0, rows * rowBytes);
      readInto(fd, bytes, position + done * rowBytes, this.path);
      decodeToFloat32(bytes, 0, rows * this.cols, dtype, dst, done * this.cols);
    }
    return dst;
  }

  /** Closes the file; further reads throw. Closing twice is harmless. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private openFd(method: string): number {
    if (this.fd === undefined) throw new DadmError(`NpyRowReader.${method}: reader must be open, got closed (${this.path})`);
    return this.fd;
  }
}

/** Reads the first `length` bytes of the file, or fewer if it is shorter (the header parser reports that). */
function readHead(fd: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

function readInto(fd: number, dst: Uint8Array, position: number, path: string): void {
  let got = 0;
  while (got < dst.length) {
    const n = readSync(fd, dst, got, dst.length - got, position + got);
    if (n === 0) throw new FormatError(`${path}: file must hold ${dst.length} bytes at offset ${position}, got ${got} (file truncated since it was opened)`, path);
    got += n;
  }
}
