/**
 * Atomic file replacement: write to a temporary file in the target's directory, fsync it, then rename
 * it over the target. A reader sees either the old file or the complete new one, never a partial write;
 * a failure leaves the target untouched and removes the temporary file.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

/**
 * Replaces `path` with `bytes` atomically: temp file in the same directory, fsync, rename.
 * File-system errors (missing directory, permissions) are rethrown as Node's own errors after cleanup.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', 0o666);
  try {
    writeAllSync(fd, bytes);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(temp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
}
