/**
 * A federated client's rows as the model kinds train on them: the same {@link TrainingData} that
 * `dadm train` builds (a data file read by blocks, checked by the pre-pass), with every row in
 * training (no validation hold-out: FedAvg's local epochs run over all local rows; early stopping
 * needs a view of all clients), plus the optional per-row host ids of `--hosts`: a sequence kind
 * (transformer) trains on the windows of each host's consecutive rows, as `dadm train --hosts` does.
 */
import type { DadmConfig } from '../config/index.js';
import { checkWidth, memoryDataFile, memoryRows, openDataFile, prepass, splitRows, type DataFile, type TrainingData } from '../data/index.js';
import { DataError } from '../errors.js';
import { modelKind } from '../models/index.js';
import type { FeatureSchema } from '../schema/index.js';
import { readRowVector } from './sim-data.js';

/** A client's local rows, open for reading. */
export interface LocalData {
  /** What the kind's `train` gets: every row is a training row. */
  readonly training: TrainingData;
  readonly rows: number;
  /** The data file, for messages. */
  readonly source: string;
  /** Host id of every row (`--hosts`), or null. */
  readonly hosts: Int32Array | null;
  /** Closes the data file. */
  close(): void;
}

/** What {@link openLocalData} and {@link memoryLocalData} check the rows against. */
export interface LocalDataOptions {
  config: DadmConfig;
  schema: FeatureSchema;
  /** `.npy` `[rows]` integer host ids, one per data row (or the ids in memory); a host's rows in time order. */
  hosts?: string | ArrayLike<number>;
}

/**
 * Opens a client's `.npy` `[rows, features]` and checks every value once (finite, zero padding),
 * streaming: memory does not grow with the file.
 * @throws DataError / FormatError naming the file, row and column; DataError for a hosts file that
 *   is not one integer per row
 */
export function openLocalData(path: string, opts: LocalDataOptions): LocalData {
  return checked(openDataFile(path), opts);
}

/**
 * Rows already in memory `[count, cols]` as local data (tests, in-process simulations).
 * @throws DataError as {@link openLocalData}
 */
export function memoryLocalData(rows: Float32Array, count: number, cols: number, opts: LocalDataOptions & { source: string }): LocalData {
  if (!(Number.isSafeInteger(count) && count >= 1 && Number.isSafeInteger(cols) && cols >= 1 && rows.length === count * cols)) {
    throw new DataError(`${opts.source}: rows must be a non-empty [count, cols] array of count * cols values, got ${rows.length} values for [${count}, ${cols}]`, opts.source);
  }
  return checked(memoryDataFile(rows, [count, cols], opts.source), opts);
}

function checked(file: DataFile, opts: LocalDataOptions): LocalData {
  try {
    checkWidth(file, opts.schema);
    const split = splitRows(file.rows, 0, 0);
    const pre = prepass({
      file,
      split,
      active: opts.schema.activeFeatures,
      standardize: false,
      seed: opts.config.training.seed,
      driftSampleRows: 1,
      fitSampleRows: modelKind(opts.config.model).fitSampleRows(opts.config, file.rows),
      exactMaxValues: 0,
    });
    const hosts = opts.hosts === undefined ? null : typeof opts.hosts === 'string' ? hostIds(opts.hosts, file.rows) : checkedIds(opts.hosts, file.rows, `${file.source} host ids`);
    const source = typeof opts.hosts === 'string' ? opts.hosts : `${file.source} host ids`;
    const training: TrainingData = { file, split, standardizer: null, fitSample: pre.fitSample, hosts: hosts === null ? null : memoryRows(hosts, 1, source) };
    return { training, rows: file.rows, source: file.source, hosts, close: () => file.reader.close() };
  } catch (err) {
    file.reader.close();
    throw err;
  }
}

function hostIds(path: string, rows: number): Int32Array {
  return checkedIds(readRowVector(path, rows), rows, path);
}

function checkedIds(ids: ArrayLike<number>, rows: number, path: string): Int32Array {
  if (ids.length !== rows) throw new DataError(`${path}: host ids must number one per data row (${rows}), got ${ids.length}`, path);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new DataError(`${path}: host id of row ${i} must be a 32-bit integer, got ${v}`, path, { row: i });
    out[i] = v;
  }
  return out;
}
