/**
 * The one checked open for every file dadm reads by path. Inputs must be regular files: a device
 * (`/dev/zero` never ends), a FIFO (blocks until someone writes), a socket or a directory is refused
 * up front with a one-line error naming the path, and the option that named it when the caller says
 * which. A FIFO never blocks: the path is `stat`ed before it is opened, and opened with O_NONBLOCK
 * so that a FIFO swapped in between opens at once and is refused by `fstat`. The size is checked
 * against the budget before anything is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { checkLimit, resolveLimits, type Limits } from '../limits.js';
import { inputPathError } from './fs-errors.js';

/** How a caller names the file in messages, and the size limit it applies. */
export interface InputFileOptions {
  /** The option or flag that named the path, e.g. `--model` or `reference`; named in messages. */
  option?: string;
  /** What the file is, e.g. `model`, `config file`. Default `input file`. */
  what?: string;
  /** Overrides of the default limits (src/limits.ts). */
  limits?: Partial<Limits>;
  /** Which limit caps the file size. Default `maxFileBytes`; null for readers that stream the file. */
  sizeLimit?: 'maxFileBytes' | 'maxOnnxFileBytes' | 'maxYamlBytes' | null;
}

/** An open regular file: its descriptor (close it) and its size when opened. */
export interface OpenInput {
  readonly fd: number;
  readonly size: number;
}

/** Read at most this much per `readSync` call (Node refuses single reads of 2 GiB or more). */
const READ_CHUNK = 1 << 30;

/** `input file (--model)`: what the file is, plus the option when known. */
function labelOf(options: InputFileOptions): string {
  const what = options.what ?? 'input file';
  return options.option === undefined ? what : `${what} (${options.option})`;
}

/** A few words on a file that is not a regular file. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'something that is not a regular file';
}

function requireRegular(path: string, stats: Stats, options: InputFileOptions): void {
  if (stats.isFile()) return;
  throw new InvalidOptionError(`${path}: ${labelOf(options)} must be a regular file, got ${kindOf(stats)}`, options.option ?? 'path');
}

/**
 * Opens `path` for reading after checking that it is a regular file no larger than the size limit.
 * The caller closes `fd` (`closeSync`).
 * @throws InvalidOptionError naming the path (and option) when it is missing, unreadable, a
 *   directory, a device, a FIFO or a socket; LimitError when it is larger than the size limit
 */
export function openInputFile(path: string, options: InputFileOptions = {}): OpenInput {
  const limits = resolveLimits(options.limits);
  const label = labelOf(options);
  let fd: number;
  try {
    requireRegular(path, statSync(path), options);
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw inputPathError(path, err, label, options.option);
  }
  try {
    const stats = fstatSync(fd);
    requireRegular(path, stats, options);
    const sizeLimit = options.sizeLimit === undefined ? 'maxFileBytes' : options.sizeLimit;
    if (sizeLimit !== null) checkLimit(limits, sizeLimit, stats.size, path, `${label} size`);
    return { fd, size: stats.size };
  } catch (err) {
    closeSync(fd);
    throw inputPathError(path, err, label, options.option);
  }
}

/**
 * Reads a whole regular file (see {@link openInputFile}). A file that shrinks while it is read gives
 * the bytes that were there; one that grows gives its size when opened.
 * @throws as {@link openInputFile}, and InvalidOptionError naming the path for a read error
 */
export function readInputFile(path: string, options: InputFileOptions = {}): Uint8Array {
  const { fd, size } = openInputFile(path, options);
  try {
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, bytes, done, Math.min(READ_CHUNK, size - done), done);
      if (n === 0) return bytes.subarray(0, done);
      done += n;
    }
    return bytes;
  } catch (err) {
    throw inputPathError(path, err, labelOf(options), options.option);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a whole regular text file as UTF-8 (see {@link readInputFile}); a byte-order mark is dropped.
 * @throws as {@link readInputFile}
 */
export function readInputText(path: string, options: InputFileOptions = {}): string {
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(readInputFile(path, options));
}
