/**
 * NumPy .npy reading and writing. Reading parses the header text (never evaluates it), checks every
 * size against the byte length before allocating, and returns data in C (row-major) order.
 */
import { FormatError, InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { checkLimit, resolveLimits, type Limits } from '../limits.js';
import { HOST_LITTLE_ENDIAN, decodeNative, decodeToFloat32, descrOf, swapBytesInPlace, type NpyTypedArray } from './npy-dtype.js';
import { formatNpyHeader, parseNpyHeader, type NpyHeader } from './npy-header.js';
import { readInputFile, type InputFileOptions } from './input-file.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * What reading as float32 did to the stored values: `'none'` for float32 files; `'widened'` for
 * float16, int8/16, uint8/16 and bool (every value is exact in float32); `'narrowed'` for float64,
 * int32/64 and uint32/64, whose values are rounded to the nearest float32 (exact only up to 2^24 for
 * integers, to about 7 significant digits for float64).
 */
export type NpyCast = 'none' | 'widened' | 'narrowed';

/** An array read as float32: `data` has prod(shape) elements in C order. */
export interface NpyArray {
  data: Float32Array;
  shape: number[];
  /** The dtype descr stored in the file, e.g. `'<f8'`, `'>f4'`, `'|u1'`. */
  dtype: string;
  /** How the stored dtype became float32 (`'narrowed'` for a float64 file: values rounded). */
  cast: NpyCast;
  /** Whether the file stored the data column-major; `data` is row-major either way. */
  fortranOrder: boolean;
}

/** An array read in its own element type (see {@link readNpyTyped}). */
export interface NpyTypedResult {
  data: NpyTypedArray;
  shape: number[];
  dtype: string;
  fortranOrder: boolean;
}

/** What {@link writeNpy} accepts: C-order data and its shape; `dtype: '|b1'` marks a Uint8Array as bool. */
export interface NpyArrayLike {
  readonly data: NpyTypedArray;
  readonly shape: readonly number[];
  readonly dtype?: string;
}

/** Options of the .npy/.npz readers. */
export interface NpyReadOptions {
  /**
   * Accept bytes after the end of the array data (numpy.load ignores them). Default false: a file
   * longer than its header says is refused, because that usually means a wrong shape or a bad copy.
   */
  allowTrailingBytes?: boolean;
  /** Overrides of the default limits (src/limits.ts): the array must fit `maxTensorBytes`. */
  limits?: Partial<Limits>;
  /**
   * readNpyTyped / readNpzTyped: also read NumPy unicode arrays (`<U12`), as Uint32Array code points
   * `[prod(shape) * chars]` (decode them with npyStrings). Default false: text is refused like any
   * other non-numeric dtype.
   */
  text?: boolean;
}

/** Options of the readers that take a path: how the path is named in messages. */
export type NpyFileReadOptions = NpyReadOptions & Pick<InputFileOptions, 'option' | 'what'>;

/**
 * Reads an .npy file held in memory and converts every element to float32.
 * Supported dtypes: float16/32/64 (either byte order), int8/16/32/64, uint8/16/32/64, bool (0/1).
 * int64 values beyond 2^24 are rounded to the nearest float32; use {@link readNpyTyped} for exact values.
 * `cast` in the result says whether values were rounded (`'narrowed'`) or not.
 * @param source file name used in error messages.
 * @returns data `[prod(shape)]` in C order.
 * @throws FormatError on a bad magic/version/header, an unsupported dtype (object arrays are never
 *   unpickled), data shorter than the header promises, or unexpected trailing bytes.
 * @throws LimitError when the float32 array would be larger than `limits.maxTensorBytes`
 */
export function readNpy(bytes: Uint8Array, source = '<buffer>', options: NpyReadOptions = {}): NpyArray {
  const header = parseNpyHeader(bytes, source);
  const data = cOrderBytes(bytes, header, source, { ...options, bytesPerElement: 4 });
  const out = new Float32Array(header.size);
  decodeToFloat32(data, 0, header.size, header.dtype, out, 0);
  return { data: out, shape: header.shape, dtype: header.dtype.descr, cast: castOf(header.dtype), fortranOrder: header.fortranOrder };
}

/** What converting `dtype` to float32 does to its values (see {@link NpyCast}). */
function castOf(dtype: NpyHeader['dtype']): NpyCast {
  if (dtype.kind === 'f' && dtype.itemSize === 4) return 'none';
  return dtype.itemSize <= 2 ? 'widened' : 'narrowed';
}

/**
 * Reads an .npy file held in memory keeping its element type, in host byte order and C order:
 * `<f4`→Float32Array, `<f8`→Float64Array, `<i8`→BigInt64Array (exact), `|b1`→Uint8Array of raw bytes,
 * float16→Float32Array (exact).
 * @throws FormatError, LimitError as {@link readNpy}.
 */
export function readNpyTyped(bytes: Uint8Array, source = '<buffer>', options: NpyReadOptions = {}): NpyTypedResult {
  const header = parseNpyHeader(bytes, source, options.text === true);
  const bytesPerElement = header.dtype.kind === 'f' && header.dtype.itemSize === 2 ? 4 : header.dtype.itemSize;
  const data = cOrderBytes(bytes, header, source, { ...options, bytesPerElement });
  // Text: each element is itemSize / 4 UTF-32 code units, read as that many uint32 values.
  const count = header.dtype.kind === 'U' ? (header.size * header.dtype.itemSize) / 4 : header.size;
  const dtype = header.dtype.kind === 'U' ? { ...header.dtype, kind: 'u' as const, itemSize: 4 } : header.dtype;
  return { data: decodeNative(data, 0, count, dtype), shape: header.shape, dtype: header.dtype.descr, fortranOrder: header.fortranOrder };
}

/**
 * Reads an .npy file from disk as float32 (see {@link readNpy}); the path names the file in errors.
 * The result's `dtype` is the stored dtype and `cast` says what the conversion did (a float64 file
 * is `'narrowed'`: rounded to float32; use {@link readNpyTyped} on the bytes to keep float64).
 * @throws InvalidOptionError when the path is not a readable regular file (see {@link readInputFile})
 */
export function readNpyFile(path: string, options: NpyFileReadOptions = {}): NpyArray {
  return readNpy(readInputFile(path, options), path, options);
}


/**
 * Checks the data length against the header.
 * @throws FormatError when the data is shorter than `byteLength`, or longer and trailing bytes are not allowed.
 */
export function checkNpyDataLength(fileLength: number, header: NpyHeader, source: string, options: NpyReadOptions): void {
  const expected = header.dataOffset + header.byteLength;
  const what = `${header.dtype.descr} ${fmtShape(header.shape)}`;
  if (fileLength < expected) {
    throw new FormatError(
      `${source}: array data must be ${header.byteLength} bytes for ${what}, got ${fileLength - header.dataOffset} (file truncated)`,
      source,
    );
  }
  if (fileLength > expected && !options.allowTrailingBytes) {
    throw new FormatError(
      `${source}: file length must be ${expected} bytes for ${what}, got ${fileLength} (${fileLength - expected} trailing bytes; pass allowTrailingBytes to ignore them)`,
      source,
    );
  }
}

/**
 * The array's bytes in C order, after checking the data length and that the decoded array
 * (`bytesPerElement` per element in memory) fits `maxTensorBytes`.
 */
function cOrderBytes(bytes: Uint8Array, header: NpyHeader, source: string, options: NpyReadOptions & { bytesPerElement: number }): Uint8Array {
  checkNpyDataLength(bytes.length, header, source, options);
  const what = `array ${header.dtype.descr} ${fmtShape(header.shape)}`;
  checkLimit(resolveLimits(options.limits), 'maxTensorBytes', header.size * options.bytesPerElement, source, what);
  const data = bytes.subarray(header.dataOffset, header.dataOffset + header.byteLength);
  if (!header.fortranOrder || header.shape.length < 2) return data;
  return fortranToC(data, header.shape, header.dtype.itemSize);
}

/**
 * Reorders column-major element bytes (first index fastest) into row-major order.
 * Walks the output in C order while keeping the matching column-major source index incrementally.
 */
function fortranToC(src: Uint8Array, shape: readonly number[], itemSize: number): Uint8Array {
  const ndim = shape.length;
  const out = new Uint8Array(src.length);
  const fStride = new Float64Array(ndim);
  let stride = 1;
  for (let k = 0; k < ndim; k++) {
    fStride[k] = stride;
    stride *= shape[k]!;
  }
  const idx = new Int32Array(ndim);
  const size = src.length / itemSize;
  let from = 0;
  for (let i = 0; i < size; i++) {
    for (let b = 0; b < itemSize; b++) out[i * itemSize + b] = src[from * itemSize + b]!;
    for (let k = ndim - 1; k >= 0; k--) {
      idx[k]!++;
      from += fStride[k]!;
      if (idx[k]! < shape[k]!) break;
      from -= shape[k]! * fStride[k]!;
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * Serialises an array as .npy (version 1.0, little-endian, C order) byte-for-byte as numpy 1.24 does,
 * so `numpy.load` reads it. The dtype follows the typed array: Float32Array→`<f4`, Float64Array→`<f8`,
 * Int32Array→`<i4`, BigInt64Array→`<i8`, Uint8Array→`|u1` (or `|b1` with `dtype: '|b1'`), …
 * @param array data `[prod(shape)]` in C order; a 0-d array has `shape: []` and one element.
 * @throws ShapeError when prod(shape) differs from data.length; InvalidOptionError for a bad dtype override.
 */
export function writeNpy(array: NpyArrayLike): Uint8Array {
  const descr = checkArrayLike(array, 'writeNpy');
  const header = formatNpyHeader(descr, false, array.shape);
  const out = new Uint8Array(header.length + array.data.byteLength);
  out.set(header);
  const body = out.subarray(header.length);
  body.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength));
  if (!HOST_LITTLE_ENDIAN && array.data.BYTES_PER_ELEMENT > 1) swapBytesInPlace(body, array.data.BYTES_PER_ELEMENT);
  return out;
}

/** Writes {@link writeNpy}'s bytes to `path` atomically (temp file + rename). */
export function writeNpyFile(path: string, array: NpyArrayLike): void {
  writeFileAtomic(path, writeNpy(array));
}

const TYPED_ARRAYS = [Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, BigInt64Array, BigUint64Array];

/**
 * Validates data type, shape and dtype override of an array to be written.
 * @returns the little-endian descr to store.
 */
export function checkArrayLike(array: NpyArrayLike, where: string): string {
  const data: unknown = array?.data;
  if (!TYPED_ARRAYS.some((T) => data instanceof T)) {
    const got = data === null || typeof data !== 'object' ? typeof data : data.constructor.name;
    throw new InvalidOptionError(`${where}: data must be a Float32/Float64/(Big)Int/(Big)Uint typed array, got ${got}`, 'data');
  }
  const shape = array.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`, where);
  }
  const size = shape.reduce((a, d) => a * d, 1);
  const chars = /^<U(\d+)$/.exec(array.dtype ?? '');
  if (chars !== null && array.data instanceof Uint32Array) {
    if (!(Number(chars[1]) >= 1 && array.data.length === size * Number(chars[1]))) {
      throw new ShapeError(`${where}: text data must hold prod(shape) * ${chars[1]} = ${size * Number(chars[1])} code points for dtype '${array.dtype}', got ${array.data.length}`, where, [shape]);
    }
    return array.dtype!;
  }
  if (size !== array.data.length) {
    throw new ShapeError(`${where}: data length must equal prod(shape) = ${size} for shape ${fmtShape(shape)}, got ${array.data.length}`, where, [shape]);
  }
  const wantBool = array.dtype === '|b1';
  if (array.dtype !== undefined && !(wantBool && array.data instanceof Uint8Array) && array.dtype !== descrOf(array.data)) {
    throw new InvalidOptionError(
      `${where}: dtype must match the typed array (${descrOf(array.data)}) or be '|b1' for a Uint8Array, got '${array.dtype}'`,
      'dtype',
    );
  }
  return descrOf(array.data, wantBool);
}
