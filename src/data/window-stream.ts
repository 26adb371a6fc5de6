/**
 * Both forms of sequence data behind one streamed interface for training: rows + host ids (windows
 * cut per host, {@link forEachHostWindow}) or a 3-D window file ({@link forEachWindow}), with the
 * training/validation split and the training stride applied as the windows stream by.
 */
import { ShapeError } from '../errors.js';
import { scanHosts, type HostIndex } from './host-index.js';
import { forEachHostWindow } from './host-windows.js';
import type { RowTable } from './row-source.js';
import { checkWindowFile, forEachWindow } from './window-file.js';

/** Sequence data: time-ordered rows `[N, F]` with host ids `[N]`, or windows `[N, T, F]`. */
export type SequenceSource = { data: RowTable; hosts: RowTable } | { windows: RowTable };

/** Which windows a pass emits. */
export type WindowPart = 'train' | 'validation' | 'all';

/** Options of {@link openWindowStream}. */
export interface WindowStreamOptions {
  window: number;
  /** Training and validation take a window every `stride` steps of a host (every stride-th window). */
  stride: number;
  /** Share of hosts (rows form) or windows (3-D form) in the validation part. */
  validationFraction: number;
  seed: number;
}

/** Streamed passes over the windows of a checked source. */
export interface WindowStream {
  readonly features: number;
  readonly window: number;
  /** The host index of the rows form; null for the 3-D form. */
  readonly index: HostIndex | null;
  /** Emits the windows of `part` in file order, `batch` at a time (a reused buffer). */
  pass(part: WindowPart, batch: number, onBatch: (windows: Float32Array, n: number) => void): void;
  /** Number of windows a pass over `part` emits (counted without reading the data). */
  count(part: WindowPart): number;
}

/**
 * Checks and indexes `source` (a hosts.npy scan, or the 3-D file's shape).
 * @throws the errors of {@link scanHosts} and {@link checkWindowFile}
 */
export function openWindowStream(source: SequenceSource, options: WindowStreamOptions): WindowStream {
  const { window, stride, validationFraction, seed } = options;
  if ('windows' in source) {
    const w = source.windows;
    const features = (w.shape?.[2] ?? w.cols / window);
    checkWindowFile(w, window, features);
    const inPart = (part: WindowPart, i: number): boolean =>
      part === 'all' || ((unitHash(i, seed) < validationFraction) === (part === 'validation') && i % stride === 0);
    return {
      features, window, index: null,
      pass(part, batch, onBatch) {
        forEachWindow(w, { window, batch, select: part === 'all' ? undefined : (i) => inPart(part, i), onBatch: (x, n) => onBatch(x, n) });
      },
      count(part) {
        let c = 0;
        for (let i = 0; i < w.rows; i++) if (inPart(part, i)) c++;
        return c;
      },
    };
  }
  const { data, hosts } = source;
  if (data.shape !== undefined && data.shape.length !== 2) {
    throw new ShapeError(`${data.path}: rows with host ids must be a 2-D array (rows, features), got ${data.shape.length} dimensions`, 'openWindowStream');
  }
  const index = scanHosts(hosts, { data, window });
  const isValidation = (host: number): boolean => unitHash(host, seed) < validationFraction;
  const select = (part: WindowPart) => (host: number, step: number): boolean =>
    part === 'all' || (isValidation(host) === (part === 'validation') && step % stride === 0);
  return {
    features: data.cols, window, index,
    pass(part, batch, onBatch) {
      forEachHostWindow(data, hosts, index, { window, batch, select: part === 'all' ? undefined : select(part), onBatch: (x, n) => onBatch(x, n) });
    },
    count(part) {
      let c = 0;
      const pick = select(part);
      for (const h of index.hosts.values()) {
        if (part === 'all') c += h.count;
        else if (pick(h.id, 0)) c += Math.ceil(h.count / stride);
      }
      return c;
    },
  };
}

/**
 * A uniform number in [0, 1) from an integer key and a seed (a 32-bit integer hash, the murmur3
 * finaliser): the split is stateless, so no per-host table is kept.
 */
export function unitHash(key: number, seed: number): number {
  let h = Math.imul((key | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
