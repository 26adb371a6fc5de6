/**
 * `RowTable`: where the transformer model reads rows from, a file ({@link NpyRowReader}) or memory
 * ({@link memoryRows}), so training and scoring have one code path for both and never need the
 * whole table in memory. It is a data file's {@link RowSource} that also knows its size and stored
 * type (host ids must be integers; a window file's shape gives T).
 */
import { ShapeError } from '../errors.js';
import { standardizeInPlace, type Standardizer } from '../schema/index.js';
import type { DataFile, RowSource } from './data-file.js';

/** Rows `[rows, cols]` read in order by position, as float32 (NpyRowReader has this shape). */
export interface RowTable extends Pick<RowSource, 'readRows'> {
  /** Name used in error messages (a file path, or e.g. 'data'). */
  readonly path: string;
  readonly rows: number;
  readonly cols: number;
  /** The stored shape, when known (a .npy file's header): `[rows, cols]`, `[rows]` or `[windows, T, F]`. */
  readonly shape?: readonly number[];
  /** The .npy dtype descr of the stored values (e.g. '<f4', '<i8'), or the memory array's equivalent. */
  readonly dtype: string;
}

const DESCR: Record<string, string> = {
  Float32Array: '<f4', Float64Array: '<f8', Int8Array: '|i1', Uint8Array: '|u1',
  Int16Array: '<i2', Uint16Array: '<u2', Int32Array: '<i4', Uint32Array: '<u4',
};

type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * A {@link RowTable} over an array in memory: `data` holds `[data.length / cols, cols]` row-major.
 * @throws ShapeError when the length is not a multiple of `cols`
 */
export function memoryRows(data: NumericArray, cols: number, path = 'memory'): RowTable {
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

/**
 * An open data file as a {@link RowTable}: its rows as float32 (what the file's reader delivers,
 * whatever the stored dtype), shape `[rows, cols]`.
 */
export function fileRows(file: DataFile): RowTable {
  return { path: file.source, rows: file.rows, cols: file.cols, shape: [file.rows, file.cols], dtype: '<f4', readRows: (start, count, out) => file.reader.readRows(start, count, out) };
}

/**
 * `source` with every row standardized as it is read (model-input units), or `source` itself when
 * `standardizer` is null: a sequence kind trains and scores on the file without a copy.
 */
export function standardizedRows(source: RowTable, standardizer: Standardizer | null): RowTable {
  if (standardizer === null) return source;
  return {
    path: source.path,
    rows: source.rows,
    cols: source.cols,
    ...(source.shape !== undefined ? { shape: source.shape } : {}),
    dtype: source.dtype,
    readRows(start: number, count: number, out: Float32Array): Float32Array {
      source.readRows(start, count, out);
      standardizeInPlace(standardizer, out, count);
      return out;
    },
  };
}

/**
 * Rows `[N * T, F]` of a 3-D window file read as its windows `[N, T * F]` (shape `[N, T, F]`), the
 * form {@link openWindowStream} takes.
 * @throws ShapeError when the rows are not a whole number of windows
 */
export function windowRows(rows: RowTable, steps: number): RowTable {
  if (!Number.isInteger(steps) || steps < 1 || rows.rows % steps !== 0) {
    throw new ShapeError(`${rows.path}: rows must be a whole number of ${steps}-step windows, got ${rows.rows}`, 'windowRows');
  }
  const n = rows.rows / steps;
  return {
    path: rows.path,
    rows: n,
    cols: steps * rows.cols,
    shape: [n, steps, rows.cols],
    dtype: rows.dtype,
    readRows: (start, count, out) => rows.readRows(start * steps, count * steps, out),
  };
}
