/**
 * Windows of T steps cut per host from time-ordered rows plus host ids, streaming: the rows are read
 * in chunks and each host that is open keeps a ring buffer of its last T rows, so memory is bounded
 * by the chunk, the open hosts and one batch of windows, never by the file. The window of a row is
 * the T steps of its host ending at it; the first T-1 rows of a host have fewer steps before them
 * and their window is left-padded with the host's first row (and flagged `padded > 0`).
 * See docs/transformer.md "Windows".
 */
import { DataError, InvalidOptionError } from '../errors.js';
import type { HostIndex, HostInfo } from './host-index.js';
import type { RowTable } from './row-source.js';

const CHUNK_ROWS = 8192;

/** Per window of a batch (the first n entries are valid): where it ends and how it was cut. */
export interface WindowBatchMeta {
  /** File row of the window's last step. */
  readonly rows: Float64Array;
  /** Host id. */
  readonly hosts: Float64Array;
  /** Step of the last row within its host (0 = the host's first row). */
  readonly steps: Float64Array;
  /** Copies of the host's first row on the left: `max(0, T - 1 - step)`; 0 = a full window. */
  readonly padded: Int32Array;
}

/** Options of {@link forEachHostWindow}. */
export interface HostWindowOptions {
  /** Window length T. */
  window: number;
  /** Windows per batch. */
  batch: number;
  /** Whether to emit the window ending at step `step` of host `host`; default every window. */
  select?: (host: number, step: number) => boolean;
  /** Receives `[n, T, F]` windows (a reused buffer: read it before returning) and their metadata. */
  onBatch: (windows: Float32Array, n: number, meta: WindowBatchMeta) => void;
}

interface OpenHost {
  info: HostInfo;
  ring: Float32Array;
  seen: number;
}

/**
 * Streams `data [N, F]` with `hosts [N]` (indexed by {@link scanHosts}) and emits the selected windows
 * in file order, in batches.
 * @throws DataError naming host, step, row and column for a NaN or infinite value
 * @throws InvalidOptionError for a window or batch that is not a positive integer
 */
export function forEachHostWindow(data: RowTable, hosts: RowTable, index: HostIndex, options: HostWindowOptions): void {
  const { window: T, batch, select, onBatch } = options;
  for (const [name, v] of [['window', T], ['batch', batch]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`forEachHostWindow: ${name} must be a positive integer, got ${v}`, name);
  }
  const F = data.cols;
  const chunkRows = Math.min(CHUNK_ROWS, Math.max(1, data.rows));
  const chunk = new Float32Array(chunkRows * F);
  const ids = new Float32Array(chunkRows);
  const out = new Float32Array(batch * T * F);
  const meta: WindowBatchMeta = { rows: new Float64Array(batch), hosts: new Float64Array(batch), steps: new Float64Array(batch), padded: new Int32Array(batch) };
  const open = new Map<number, OpenHost>();
  const pool: Float32Array[] = [];
  let n = 0;
  for (let start = 0; start < data.rows; start += chunkRows) {
    const count = Math.min(chunkRows, data.rows - start);
    data.readRows(start, count, chunk);
    hosts.readRows(start, count, ids);
    for (let i = 0; i < count; i++) {
      const row = start + i;
      const id = ids[i]!;
      let h = open.get(id);
      if (h === undefined) {
        h = { info: index.hosts.get(id)!, ring: pool.pop() ?? new Float32Array(T * F), seen: 0 };
        open.set(id, h);
      }
      const step = h.seen++;
      const src = i * F;
      for (let j = 0; j < F; j++) {
        const v = chunk[src + j]!;
        if (v - v !== 0) {
          throw new DataError(`${data.path}: host ${id}, step ${step} (row ${row}), column ${j} must be finite, got ${v}`, data.path);
        }
      }
      h.ring.set(chunk.subarray(src, src + F), (step % T) * F);
      if (select === undefined || select(id, step)) {
        meta.padded[n] = copyWindow(h.ring, step, T, F, out, n * T * F);
        meta.rows[n] = row;
        meta.hosts[n] = id;
        meta.steps[n] = step;
        if (++n === batch) {
          onBatch(out, n, meta);
          n = 0;
        }
      }
      if (row === h.info.last) {
        pool.push(h.ring);
        open.delete(id);
      }
    }
  }
  if (n > 0) onBatch(out, n, meta);
}

/**
 * Copies the window ending at `step` from the ring (slot `s % T` holds step s) into `out` at `at`:
 * `T - 1 - step` copies of step 0 first when the host has fewer than T steps so far. Returns that count.
 */
function copyWindow(ring: Float32Array, step: number, T: number, F: number, out: Float32Array, at: number): number {
  if (step < T - 1) {
    const pad = T - 1 - step;
    for (let p = 0; p < pad; p++) out.set(ring.subarray(0, F), at + p * F);
    out.set(ring.subarray(0, (step + 1) * F), at + pad * F);
    return pad;
  }
  // Oldest step in the window is step - T + 1, at slot (step + 1) % T.
  const first = (step + 1) % T;
  out.set(ring.subarray(first * F, T * F), at);
  out.set(ring.subarray(0, first * F), at + (T - first) * F);
  return 0;
}
