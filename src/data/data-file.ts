/**
 * Opening a data .npy for streaming, checking its rows against a schema, and reading lists of row
 * blocks into a reusable buffer. Every problem names the file and, for values, the row and column
 * in the whole file (not in the chunk).
 */
import { DataError, FormatError, InvalidOptionError } from '../errors.js';
import { NpyRowReader, STDIO_PATH, isStreamInput, shapeTuple } from '../io/index.js';
import { widthError, type FeatureSchema } from '../schema/index.js';
import { blockLength, type RowSplit } from './row-split.js';

/**
 * Where a data file's rows come from: an .npy read by position or in order from standard input
 * ({@link NpyRowReader}), or a matrix in memory.
 */
export interface RowSource {
  /** Copies rows `start .. start + count - 1` as float32 into `out` `[count, cols]` and returns it. */
  readRows(start: number, count: number, out: Float32Array): Float32Array;
  close(): void;
  /** True when rows can only be read once, in order (standard input; absent = any order). */
  readonly sequential?: boolean;
}

/**
 * An open data file: `[rows, cols]` float32 rows, read by position from a file or memory, or in
 * order from standard input (`reader.sequential`).
 */
export interface DataFile {
  reader: RowSource;
  /** How messages name the data: the path, or `<stdin>` for `-`. */
  source: string;
  rows: number;
  cols: number;
  /**
   * Steps T of a 3-D window file `[N, T, F]`, read as `N * T` rows of F (window i is rows
   * `i*T .. i*T+T-1`); 1 for a 2-D file.
   */
  steps: number;
}

/** How {@link openDataFile} opens a file. */
/** How {@link openDataFile} may read the data. */
export interface OpenDataOptions {
  /**
   * Why the caller needs to read rows more than once or out of order, e.g. `'train reads it once per
   * epoch'`: standard input (`-`, a piped `/dev/stdin`) is then refused. Leave it out when the caller reads every row once,
   * in order: a stream is then read as it arrives.
   */
  needsFile?: string;
  /** The option that named the path, for messages (e.g. `--data`). */
  option?: string;
  /** Accept a 3-D window file `[N, T, F]` (sequence models), read as `N * T` rows of F. Default false. */
  windows?: boolean;
}

/**
 * Opens a 2-D .npy file (or, with `windows`, a 3-D one) for row-wise reading: a regular file by
 * position, through the checked open; standard input (`-`, a piped `/dev/stdin`) in order, unless
 * `options.needsFile` says why it cannot be. A FIFO, device or socket named by path is refused like
 * any file that is not regular.
 * @throws InvalidOptionError naming the path (and option) for a missing, unreadable or irregular
 *   file (a FIFO included), standard input when `needsFile` is given, or standard input that is a
 *   terminal; FormatError for a file that is not a .npy or is truncated (message names the file), or
 *   one of another rank; DataError for 0 rows
 */
export function openDataFile(path: string, options: OpenDataOptions = {}): DataFile {
  const { option, windows = false } = options;
  if (options.needsFile !== undefined) refuseStream(path, { option: option ?? '--data', why: options.needsFile });
  return checkedDataFile(new NpyRowReader(path, { what: 'data file', rowsOverLeadingAxes: windows, ...(option === undefined ? {} : { option }) }), windows);
}

/**
 * A matrix held in memory `[rows, cols]` (row-major, not copied: the caller must not change it while
 * the file is in use) as a data file, so that in-memory estimators train through the same streamed
 * path as `dadm train`. `source` names it in messages (e.g. `'X'`).
 */
export function memoryDataFile(data: Float32Array, shape: readonly [number, number], source: string): DataFile {
  const [rows, cols] = shape;
  const reader: RowSource = {
    readRows: (start, count, out) => {
      out.set(data.subarray(start * cols, (start + count) * cols));
      return out;
    },
    close: () => {},
  };
  return { reader, source, rows, cols, steps: 1 };
}

/**
 * For a caller that reads a data file more than once or out of order: refuses standard input (`-`,
 * a piped `/dev/stdin`) up front, before any other work.
 * @throws InvalidOptionError `"--data must name a regular file (train reads it once per epoch), got '-' (standard input)"`
 */
export function refuseStream(path: string, need: { option: string; why: string }): void {
  if (!isStreamInput(path)) return;
  const got = path === STDIO_PATH ? "'-' (standard input)" : `${path} (standard input, a pipe that can be read only once)`;
  throw new InvalidOptionError(`${need.option} must name a regular file (${need.why}), got ${got}`, need.option);
}

/** The reader as a DataFile, once its shape is known to be `[rows >= 1, cols]`. */
function checkedDataFile(reader: NpyRowReader, acceptWindows: boolean): DataFile {
  const { source } = reader;
  const windows = acceptWindows && reader.shape.length === 3;
  if (reader.shape.length !== 2 && !windows) {
    reader.close();
    const expected = acceptWindows ? '2-D array [rows, features] or a 3-D array [windows, steps, features]' : '2-D array [rows, features]';
    throw new FormatError(`${source}: data must be a ${expected}, got shape ${shapeTuple(reader.shape)}`, source);
  }
  if (reader.rows === 0) {
    reader.close();
    throw new DataError(`${source}: rows must be at least 1, got 0`, source);
  }
  return { reader, source, rows: reader.rows, cols: reader.cols, steps: windows ? reader.shape[1]! : 1 };
}

/**
 * Checks the data width against a schema: the config's (`use` 'train') or a trained model's ('score').
 * @throws DataError naming the expected layout and the way out, e.g. `"x.npy: width must be 64 (schema
 *   endpoint-v1: 12 features + 52 zero padding), got 10; for data that is not the endpoint schema set
 *   `schema: none` in config.yaml"` (see widthError)
 */
export function checkWidth(file: DataFile, schema: FeatureSchema, use: 'train' | 'score' = 'score'): void {
  if (file.cols !== schema.dim) throw widthError({ source: file.source, schema, got: file.cols, use });
}

/** Where a chunk of rows sits in its file, for {@link checkRows}. */
export interface RowsAt {
  /** Rows in the chunk. */
  count: number;
  /** File row of the chunk's first row (messages name file rows, not chunk rows). */
  firstRow: number;
  cols: number;
  /** Columns at and after this index are schema padding and must be 0. */
  active: number;
  /** The file, for messages and DataError.source. */
  source: string;
}

/**
 * Checks rows `[count, cols]` that start at file row `firstRow`: every value finite, every padding
 * column (index >= `active`) exactly 0.
 * @throws DataError like `"data.npy: row 17, column 3 must be finite, got NaN"`
 */
export function checkRows(data: Float32Array, at: RowsAt): void {
  const { count, firstRow, cols, active, source } = at;
  for (let i = 0; i < count; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[base + j]!;
      // v - v is NaN exactly when v is NaN or +-Infinity.
      if (v - v !== 0) throw new DataError(`${source}: row ${firstRow + i}, column ${j} must be finite, got ${v}`, source, { row: firstRow + i, column: j });
      if (j >= active && v !== 0) {
        throw new DataError(`${source}: row ${firstRow + i}, column ${j} must be 0 (padding columns ${active}..${cols - 1}), got ${v}`, source, { row: firstRow + i, column: j });
      }
    }
  }
}

/** Which blocks {@link readBlocks} reads: `blocks[from .. to-1]`, into `out`. */
export interface BlockRange {
  blocks: Int32Array;
  from: number;
  to: number;
  /** Receives the rows one after another; must hold them all. */
  out: Float32Array;
}

/**
 * Reads the listed blocks one after another into `range.out` (runs of adjacent blocks in one read).
 * @returns the number of rows read
 */
export function readBlocks(file: DataFile, split: RowSplit, range: BlockRange): number {
  const { blocks, to, out } = range;
  let rows = 0;
  let i = range.from;
  while (i < to) {
    let j = i + 1;
    while (j < to && blocks[j] === blocks[j - 1]! + 1) j++;
    const start = blocks[i]! * split.blockRows;
    const count = (blocks[j - 1]! - blocks[i]!) * split.blockRows + blockLength(split, blocks[j - 1]!);
    file.reader.readRows(start, count, out.subarray(rows * file.cols, (rows + count) * file.cols));
    rows += count;
    i = j;
  }
  return rows;
}
