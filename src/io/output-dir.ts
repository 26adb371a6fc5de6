/**
 * Output directories: checked (and created) before a long computation, so that a path that is a
 * file or cannot be written fails at once, and removed again when the computation fails.
 */
import { accessSync, constants, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { describeFsError, systemErrorCode } from './fs-errors.js';

/**
 * Makes sure `path` is a writable directory, creating it and any missing parents.
 * @param where leads the error message, e.g. `train`.
 * @returns the topmost directory this call created (undo with {@link removeCreatedDirs}), or
 *   undefined when `path` already existed
 * @throws InvalidOptionError `<where>: output directory <path> must be a writable directory, got …`
 *   when `path` is a file, cannot be created, or cannot be written
 */
export function ensureOutputDir(path: string, where: string): string | undefined {
  const fail = (got: string): never => {
    throw new InvalidOptionError(`${where}: output directory ${path} must be a writable directory, got ${got}`, 'outDir');
  };
  const describe = (err: unknown): string => {
    if (systemErrorCode(err) === undefined) throw err;
    return describeFsError(err as NodeJS.ErrnoException);
  };
  let created: string | undefined;
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isDirectory()) fail(stat.isFile() ? 'a regular file' : 'something that is not a directory');
    if (stat === undefined) created = mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof InvalidOptionError) throw err;
    removeCreatedDirs(path, created);
    fail(describe(err));
  }
  return created;
}

/**
 * Undoes {@link ensureOutputDir}: removes `path` and its parents up to and including `created`,
 * each only if it is empty; failures are ignored. Does nothing when `created` is undefined.
 */
export function removeCreatedDirs(path: string, created: string | undefined): void {
  if (created === undefined) return;
  const top = resolve(created);
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty, or already gone: leave it and everything above
    }
    if (dir === top || dirname(dir) === dir) return;
  }
}
