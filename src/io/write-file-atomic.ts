/**
 * Atomic file replacement: write to a temporary file in the target's directory, fsync it, then rename
 * it over the target. A reader sees either the old file or the complete new one, never a partial write;
 * a failure leaves the target untouched and removes the temporary file. Temporary files are named
 * as src/io/temp-files.ts describes, so a later command can sweep those a killed process left.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { outputPathError } from './fs-errors.js';
import { removeQuietly, tempPathFor } from './temp-files.js';

/**
 * Writes all of `bytes` to an open file descriptor (writeSync may write less than asked): at the
 * file's current position, or from byte `position` of the file when given.
 */
export function writeAllSync(fd: number, bytes: Uint8Array, position: number | null = null): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position === null ? null : position + done);
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Permission bits of the new file (before the umask), default 0o666. Private keys pass 0o600: the
   * file is created with them, so it is never readable by others, not even for a moment.
   */
  mode?: number;
}

/**
 * Replaces `path` with `bytes` atomically: temp file in the same directory, fsync, rename.
 * @throws InvalidOptionError naming `path` (not the temporary file) for a file-system failure: a
 *   missing or unwritable folder, a directory at `path`, a full disk (see {@link outputPathError})
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): void {
  const temp = writeTempFile(path, bytes, options);
  try {
    renameSync(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw outputPathError(path, err);
  }
}

/**
 * Writes `bytes` to a fresh fsynced temporary file next to `path` and returns its name; on failure
 * the temporary file is removed and the error names `path` (see {@link outputPathError}).
 */
export function writeTempFile(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): string {
  const temp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', options.mode ?? 0o666);
  } catch (err) {
    throw outputPathError(path, err);
  }
  try {
    writeAllSync(fd, bytes);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(temp);
    throw outputPathError(path, err);
  }
  closeSync(fd);
  return temp;
}
