/**
 * `checkHostTimeOrder`: with `--timestamps ts.npy` (one int64 or float64 time per data row), one
 * streamed pass that checks every host's rows are in time order (non-decreasing), the promise the
 * rows form of sequence data rests on (a window is a host's consecutive rows). See
 * docs/file-formats.md "Sequence data".
 */
import { DataError, FormatError, ShapeError } from '../errors.js';
import { HOST_LITTLE_ENDIAN, type NpyRowReader } from '../io/index.js';
import type { RowTable } from './row-source.js';

const CHUNK_ROWS = 65_536;

/** What {@link checkHostTimeOrder} reads. */
export interface HostTimeOrderOptions {
  /** The data the rows belong to: its name and row count. */
  data: { readonly path: string; readonly rows: number };
  /** One host id per data row (checked by scanHosts). */
  hosts: RowTable;
  /** One int64 or float64 time per data row, `[rows]`. */
  timestamps: NpyRowReader;
}

/**
 * Reads the host ids and times once, in chunks, keeping the last time of each host seen.
 * @throws FormatError when the timestamps' dtype is not int64 or float64
 * @throws ShapeError when they are not one value per data row
 * @throws DataError naming the file, host id, row and both times when a host's row is earlier than
 *   its previous row, or for a NaN time
 */
export function checkHostTimeOrder(opts: HostTimeOrderOptions): void {
  const { data, hosts, timestamps: ts } = opts;
  const dtype = /^([<>=|]?)([if])8$/.exec(ts.dtype);
  if (dtype === null) throw new FormatError(`${ts.source}: dtype must be int64 or float64 (one time per row), got '${ts.dtype}'`, ts.source);
  if (ts.shape.length !== 1 || ts.rows !== data.rows) {
    throw new ShapeError(`${ts.source}: shape must be (${data.rows},) with one time per row of ${data.path}, got (${ts.shape.join(', ')}${ts.shape.length === 1 ? ',' : ''})`, 'checkHostTimeOrder');
  }
  const littleEndian = dtype[1] === '>' ? false : dtype[1] === '<' || HOST_LITTLE_ENDIAN;
  const integers = dtype[2] === 'i';
  const ids = new Float32Array(Math.min(CHUNK_ROWS, Math.max(1, data.rows)));
  const bytes = new Uint8Array(ids.length * 8);
  const view = new DataView(bytes.buffer);
  const last = new Map<number, { time: bigint | number; row: number }>();
  for (let start = 0; start < data.rows; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, data.rows - start);
    hosts.readRows(start, n, ids);
    ts.readRowBytes(start, n, bytes);
    for (let i = 0; i < n; i++) {
      const row = start + i;
      const time = integers ? view.getBigInt64(8 * i, littleEndian) : view.getFloat64(8 * i, littleEndian);
      if (Number.isNaN(time)) throw new DataError(`${ts.source}: time of row ${row} must be a number, got NaN`, ts.source, { row });
      const id = ids[i]!;
      const prev = last.get(id);
      if (prev !== undefined && time < prev.time) {
        throw new DataError(
          `${ts.source}: host ${id} rows must be in time order, got row ${row} at time ${time} before row ${prev.row} at time ${prev.time}`,
          ts.source,
          { row },
        );
      }
      if (prev === undefined) last.set(id, { time, row });
      else {
        prev.time = time;
        prev.row = row;
      }
    }
  }
}
