/**
 * Names of the temporary files (and folders) that atomic writes create next to their target, and the
 * sweep that removes those a killed process left behind. A name says who made it:
 *
 *     .<target name>.dadm-<host>-<pid>-<n>.tmp
 *
 * `<host>` is the first 8 hex digits of the SHA-256 of the host name, `<pid>` the writing process,
 * `<n>` a counter within it. A later command in that folder removes an entry whose host is this host
 * and whose process is gone; anything else (a live writer, another host on a shared file system) is
 * left alone.
 */
import { createHash } from 'node:crypto';
import { readdirSync, rmSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

let tempCounter = 0;

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMP_NAME = /^\..+\.dadm-([0-9a-f]{8})-([1-9][0-9]*)-[0-9]+\.tmp$/;

/** Folders this process has swept already (each is swept once, before its first temporary file). */
const sweptDirs = new Set<string>();

/**
 * A fresh temporary path next to `path` (same directory, so `rename` stays on one file system), named
 * as the file header describes. Open it with `wx` (or create it with `mkdir`), so a collision fails
 * instead of overwriting. The first call for a folder sweeps it ({@link sweepStaleTempFiles}), so
 * every command that writes a file removes what a killed command left in that folder.
 */
export function tempPathFor(path: string): string {
  const dir = dirname(path);
  const key = resolve(dir);
  if (!sweptDirs.has(key)) {
    sweptDirs.add(key);
    sweepStaleTempFiles(dir);
  }
  tempCounter++;
  return join(dir, `.${basename(path)}.dadm-${HOST_TAG}-${process.pid}-${tempCounter}.tmp`);
}

/** Whether a process with this pid exists (a signal-0 probe; EPERM means it exists but is not ours). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files and folders in `dir` that an atomic write of a process on this host
 * left behind when it was killed (its pid no longer exists). Never fails: an unreadable folder or an
 * entry that cannot be removed is skipped.
 * @returns the paths removed
 */
export function sweepStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null || m[1] !== HOST_TAG) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processExists(pid)) continue;
    const path = join(dir, name);
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Someone else removed or locked it; the next sweep tries again.
    }
  }
  return removed;
}

/** Removes a file, ignoring a failure (used only for cleanup after another error). */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // The original error is the one worth reporting.
  }
}
