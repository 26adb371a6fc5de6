/**
 * The one table that turns a Node file-system error code into words, for input paths (reading) and
 * output paths (writing), so every message about a path reads the same:
 * `out/scores.npy: output folder out must exist, got ENOENT (the folder does not exist)`,
 * `data.npy: input file (--data) must be readable, got EACCES (permission denied)`.
 */
import { dirname } from 'node:path';
import { InvalidOptionError } from '../errors.js';

interface FsErrorText {
  /** What the code means, in a few words: the part in parentheses after the code. */
  readonly reason: string;
  /** What an input file must be, when opening or reading it failed with this code. */
  readonly input: string;
  /** What is wrong with an output path: the part named (its folder, the path, the file) and its constraint. */
  readonly output: readonly ['folder' | 'path' | 'file', string];
  /** The reason for outputs, when it reads better there. */
  readonly outputReason?: string;
}

const FS_ERRORS: Readonly<Record<string, FsErrorText>> = {
  ENOENT: { reason: 'no such file or directory', input: 'must exist', output: ['folder', 'must exist'], outputReason: 'the folder does not exist' },
  ENOTDIR: { reason: 'a part of the path is a file', input: 'must exist', output: ['folder', 'must be a directory'] },
  EACCES: { reason: 'permission denied', input: 'must be readable', output: ['folder', 'must be writable'] },
  EPERM: { reason: 'operation not permitted', input: 'must be readable', output: ['folder', 'must be writable'] },
  EROFS: { reason: 'read-only file system', input: 'must be readable', output: ['folder', 'must be writable'] },
  EISDIR: { reason: 'a directory has that name', input: 'must be a regular file', output: ['path', 'must not be a directory'] },
  ENOTEMPTY: { reason: 'a directory has that name', input: 'must be a regular file', output: ['path', 'must not be a directory'] },
  EEXIST: { reason: 'a file has that name', input: 'must be readable', output: ['path', 'must not exist yet'] },
  ENOSPC: { reason: 'no space left on device', input: 'must be readable', output: ['file', 'must fit on the disk'] },
  ELOOP: { reason: 'too many levels of symbolic links', input: 'must exist', output: ['folder', 'must exist'] },
  ENAMETOOLONG: { reason: 'file name too long', input: 'must exist', output: ['path', 'must be shorter'] },
  ENXIO: { reason: 'a socket or a device that is not there', input: 'must be a regular file', output: ['path', 'must be a regular file'] },
  EMFILE: { reason: 'too many open files', input: 'must be readable', output: ['file', 'must be writable'] },
};

/** The error code of a Node system error (a string `code` with a numeric `errno`), else undefined. */
export function systemErrorCode(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | null;
  // System errors carry a numeric errno; argument errors (ERR_INVALID_ARG_TYPE, ...) are bugs, not paths.
  return typeof e?.code === 'string' && typeof e.errno === 'number' ? e.code : undefined;
}

/** `CODE (reason)` for a system error, e.g. `ENOTDIR (a part of the path is a file)`. */
export function describeFsError(err: NodeJS.ErrnoException, direction: 'input' | 'output' = 'input'): string {
  const text = FS_ERRORS[err.code ?? ''];
  const reason = (direction === 'output' ? text?.outputReason : undefined) ?? text?.reason ?? err.syscall ?? 'file-system error';
  return `${err.code} (${reason})`;
}

/**
 * Turns a Node file-system error met while writing `path` (possibly through its temporary file) into
 * an InvalidOptionError whose message names `path` and its folder, never the temporary file, e.g.
 * `out/scores.npy: output folder out must exist, got ENOENT (the folder does not exist)`.
 * Anything that is not a system error (no numeric `errno`) is returned unchanged.
 */
export function outputPathError(path: string, err: unknown): unknown {
  const code = systemErrorCode(err);
  if (code === undefined) return err;
  const e = err as NodeJS.ErrnoException;
  const known = FS_ERRORS[code];
  const [subject, constraint] = known?.output ?? ['file', 'must be writable'];
  const what = subject === 'folder' ? `output folder ${dirname(path)}` : `output ${subject}`;
  return new InvalidOptionError(`${path}: ${what} ${constraint}, got ${describeFsError(e, 'output')}`, 'path');
}

/**
 * Turns a Node file-system error met while opening or reading the input `path` into an
 * InvalidOptionError naming the path (and the option that named it), e.g.
 * `labels.npy: input file (--labels) must exist, got ENOENT (no such file or directory)`.
 * Anything that is not a system error is returned unchanged.
 * @param label `<what>` or `<what> (<option>)`, e.g. `input file (--labels)`
 */
export function inputPathError(path: string, err: unknown, label: string, option = 'path'): unknown {
  const code = systemErrorCode(err);
  if (code === undefined) return err;
  const constraint = FS_ERRORS[code]?.input ?? 'must be readable';
  return new InvalidOptionError(`${path}: ${label} ${constraint}, got ${describeFsError(err as NodeJS.ErrnoException)}`, option);
}
