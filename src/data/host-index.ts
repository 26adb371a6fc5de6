/**
 * `scanHosts`: one streamed pass over a hosts.npy (one integer host id per data row) that checks it
 * against the data and records, per host, its row count and its first and last row, so windows can
 * be cut host by host with a ring buffer per host that is open, in bounded memory.
 * See docs/file-formats.md "Sequence data".
 */
import { DataError, FormatError, ShapeError } from '../errors.js';
import type { RowTable } from './row-source.js';

/** Host ids must be integers of magnitude below 2^24: they are read through float32, exact up to there. */
export const MAX_HOST_ID = 2 ** 24;
/** Memory the open hosts' ring buffers may take (T x F float32 each) before scanHosts refuses. */
export const RING_BUDGET_BYTES = 512 * 2 ** 20;
const CHUNK_ROWS = 65_536;

/** One host of the data. */
export interface HostInfo {
  readonly id: number;
  /** Rows of the host (its steps). */
  readonly count: number;
  /** File rows of its first and last step. */
  readonly first: number;
  readonly last: number;
}

/** What {@link scanHosts} found. */
export interface HostIndex {
  /** Per host id, in order of first appearance. */
  readonly hosts: ReadonlyMap<number, HostInfo>;
  readonly rows: number;
  /** Most rows of any host. */
  readonly longest: number;
  /** Most hosts whose rows interleave at one point of the file (1 when the file is sorted by host). */
  readonly maxOpen: number;
}

/** Options of {@link scanHosts}. */
export interface ScanHostsOptions {
  /** The data the ids belong to: its name and row count. */
  data: { readonly path: string; readonly rows: number; readonly cols: number };
  /** Window length T: at least one host must have T rows. */
  window: number;
  /** Ring-buffer memory budget in bytes; default {@link RING_BUDGET_BYTES}. */
  ringBudgetBytes?: number;
}

/**
 * Reads `hosts` once, in chunks, and indexes it.
 * @throws ShapeError when hosts is not one id per row or its row count differs from the data's
 * @throws FormatError when its dtype is not an integer type
 * @throws DataError for an id of magnitude >= 2^24, when no host has `window` rows, or when the
 *   interleaved hosts' ring buffers would exceed the budget
 */
export function scanHosts(hosts: RowTable, options: ScanHostsOptions): HostIndex {
  const { data, window } = options;
  if (!/^[<>|=]?[iu][1248]$/.test(hosts.dtype)) {
    throw new FormatError(`${hosts.path}: dtype must be an integer type (int8..int64 or uint8..uint64), got '${hosts.dtype}'`, hosts.path);
  }
  if (hosts.cols !== 1) {
    throw new ShapeError(`${hosts.path}: shape must be (rows,) with one host id per row, got ${hosts.cols} values per row`, 'scanHosts');
  }
  if (hosts.rows !== data.rows) {
    throw new ShapeError(`${hosts.path}: rows must equal the ${data.rows} rows of ${data.path}, got ${hosts.rows}`, 'scanHosts');
  }
  const found = new Map<number, { id: number; count: number; first: number; last: number }>();
  const chunk = new Float32Array(Math.min(CHUNK_ROWS, Math.max(1, hosts.rows)));
  for (let start = 0; start < hosts.rows; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, hosts.rows - start);
    hosts.readRows(start, n, chunk);
    for (let i = 0; i < n; i++) {
      const id = chunk[i]!;
      if (!(Math.abs(id) < MAX_HOST_ID)) {
        throw new DataError(`${hosts.path}: row ${start + i} host id must be an integer in (-${MAX_HOST_ID}, ${MAX_HOST_ID}), got ${id}`, hosts.path);
      }
      const h = found.get(id);
      if (h === undefined) found.set(id, { id, count: 1, first: start + i, last: start + i });
      else {
        h.count++;
        h.last = start + i;
      }
    }
  }
  let longest = 0;
  for (const h of found.values()) longest = Math.max(longest, h.count);
  if (longest < window) {
    throw new DataError(`${data.path}: at least one host must have ${window} rows (the window), got at most ${longest} rows per host`, data.path);
  }
  const maxOpen = maxInterleaved(found.values());
  const budget = options.ringBudgetBytes ?? RING_BUDGET_BYTES;
  const ringBytes = window * data.cols * 4;
  if (maxOpen * ringBytes > budget) {
    throw new DataError(
      `${hosts.path}: interleaved hosts must fit the ring-buffer budget of ${Math.floor(budget / 2 ** 20)} MB (${window} x ${data.cols} float32 each), got ${maxOpen} hosts open at once; sort the rows by host`,
      hosts.path,
    );
  }
  return { hosts: found, rows: hosts.rows, longest, maxOpen };
}

/** Most hosts whose [first, last] row ranges overlap at one row. */
function maxInterleaved(hosts: Iterable<HostInfo>): number {
  const events: number[] = [];
  // Opening at row f is 2f + 1, closing after row l is 2(l + 1): at one row the closings sort first.
  for (const h of hosts) events.push(h.first * 2 + 1, (h.last + 1) * 2);
  events.sort((a, b) => a - b);
  let open = 0, most = 0;
  for (const e of events) {
    open += e % 2 === 1 ? 1 : -1;
    most = Math.max(most, open);
  }
  return most;
}
