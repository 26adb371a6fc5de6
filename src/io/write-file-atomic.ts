/**
 * Atomic file replacement: write to a temporary file in the target's directory, fsync it, then rename
 * it over the target. A reader sees either the old file or the complete new one, never a partial write;
 * a failure leaves the target untouched and removes the temporary file.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidOptionError } from '../errors.js';

let tempCounter = 0;

/**
 * A fresh temporary path next to `path` (same directory, so `rename` stays on one file system).
 * Unique within the process by a counter and across processes by the pid; opened with `wx`, so a
 * collision fails instead of overwriting.
 */
export function tempPathFor(path: string): string {
  tempCounter++;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.tmp`);
}

/** Writes all of `bytes` to an open file descriptor (writeSync may write less than asked). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Removes a file, ignoring a failure (used only for cleanup after another error). */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // The original error is the one worth reporting.
  }
}

/** Per file-system error code: what it says about an output path, as `[subject, constraint, reason]`. */
const OUTPUT_ERRORS: Readonly<Record<string, readonly ['folder' | 'path' | 'file', string, string]>> = {
  ENOENT: ['folder', 'must exist', 'the folder does not exist'],
  ENOTDIR: ['folder', 'must be a directory', 'a part of the folder path is a file'],
  EACCES: ['folder', 'must be writable', 'permission denied'],
  EPERM: ['folder', 'must be writable', 'operation not permitted'],
  EROFS: ['folder', 'must be writable', 'read-only file system'],
  EISDIR: ['path', 'must not be a directory', 'a directory has that name'],
  ENOTEMPTY: ['path', 'must not be a directory', 'a directory has that name'],
  ENOSPC: ['file', 'must fit on the disk', 'no space left on device'],
};

/**
 * Turns a Node file-system error met while writing `path` (possibly through its temporary file) into
 * an InvalidOptionError whose message names `path` and its folder, never the temporary file, e.g.
 * `out/scores.npy: output folder out must exist, got ENOENT (the folder does not exist)`.
 * Anything that is not a system error (no numeric `errno`) is returned unchanged.
 */
export function outputPathError(path: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException | null;
  // System errors carry a numeric errno; argument errors (ERR_INVALID_ARG_TYPE, ...) are bugs, not paths.
  if (typeof e?.code !== 'string' || typeof e.errno !== 'number') return err;
  const [subject, constraint, reason] = OUTPUT_ERRORS[e.code] ?? ['file', 'must be writable', e.syscall ?? 'file-system error'];
  const what = subject === 'folder' ? `output folder ${dirname(path)}` : `output ${subject}`;
  return new InvalidOptionError(`${path}: ${what} ${constraint}, got ${e.code} (${reason})`, 'path');
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
