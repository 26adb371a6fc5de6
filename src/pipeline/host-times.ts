/**
 * `--timestamps` of the rows form of sequence data (train, score): one time per row, checked once
 * against the host ids before any window is cut (docs/file-formats.md "Sequence data").
 */
import { checkHostTimeOrder, type DataFile } from '../data/index.js';
import { NpyRowReader } from '../io/index.js';
import { limitsOf, type Limits } from '../limits.js';

/**
 * Checks that every host's rows are in time order (see checkHostTimeOrder); closes `hosts` when not.
 * @throws as checkHostTimeOrder and the .npy reader
 */
export function checkTimes(file: DataFile, hosts: NpyRowReader, timestamps: { path: string; limits?: Partial<Limits> | undefined }): void {
  try {
    const times = new NpyRowReader(timestamps.path, { option: '--timestamps', what: 'timestamps', ...limitsOf(timestamps) });
    try {
      checkHostTimeOrder({ data: { path: file.source, rows: file.rows }, hosts, timestamps: times });
    } finally {
      times.close();
    }
  } catch (err) {
    hosts.close();
    throw err;
  }
}
