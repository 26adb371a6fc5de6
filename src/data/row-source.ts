/**
 * `RowSource`: where the transformer model reads rows from, a file ({@link NpyRowReader}) or memory
 * ({@link memoryRows}), so training and scoring have one code path for both and never need the
 * whole table in memory.
 */
import { ShapeError } from '../errors.js';

/** Rows `[rows, cols]` read in order by position, as float32 (NpyRowReader has this shape). */
export interface RowSource {
  /** Name used in error messages (a file path, or e.g. 'data'). */
  readonly path: string;
  readonly rows: number;
  readonly cols: number;
  /** The stored shape, when known (a .npy file's header): `[rows, cols]`, `[rows]` or `[windows, T, F]`. */
  readonly shape?: readonly number[];
  /** The .npy dtype descr of the stored values (e.g. '<f4', '<i8'), or the memory array's equivalent. */
  readonly dtype: string;
  /** Reads rows `start .. start + count - 1` into the first `count * cols` values of `out`. */
  readRows(start: number, count: number, out: Float32Array): Float32Array;
}

const DESCR: Record<string, string> = {
  Float32Array: '<f4', Float64Array: '<f8', Int8Array: '|i1', Uint8Array: '|u1',
  Int16Array: '<i2', Uint16Array: '<u2', Int32Array: '<i4', Uint32Array: '<u4',
};

type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * A {@link RowSource} over an array in memory: `data` holds `[data.length / cols, cols]` row-major.
 * @throws ShapeError when the length is not a multiple of `cols`
 */
export function memoryRows(data: NumericArray, cols: number, path = 'memory'): RowSource {
  if (!Number.isInteger(cols) || cols < 1 || data.length % cols !== 0) {
    throw new ShapeError(`${path}: length must be a multiple of ${cols} columns, got ${data.length}`, 'memoryRows');
  }
  return {
    path,
    shape: [data.length / cols, cols],
    rows: data.length / cols,
    cols,
    dtype: DESCR[data.constructor.name] ?? '<f4',
    readRows(start: number, count: number, out: Float32Array): Float32Array {
      const src = data.subarray(start * cols, (start + count) * cols);
      if (src instanceof Float32Array) out.set(src);
      else for (let i = 0; i < src.length; i++) out[i] = src[i]!;
      return out;
    },
  };
}
