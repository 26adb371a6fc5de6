/**
 * Standard input and output by path, and the one test of whether a path can only be read in order:
 * `-` means standard input (or output) for every dadm path option that takes it, and a FIFO, socket or
 * character device (`/dev/stdin` fed by a pipe, a named pipe, `<(...)`) is read like it. Regular files
 * (also `/dev/stdin` redirected from a file) are not streams: they are read by position.
 */
import { readSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';

/** The path that names standard input or standard output. */
export const STDIO_PATH = '-';

/** How messages name standard input. */
export const STDIN_NAME = '<stdin>';

/**
 * True when `path` can only be read once, in order: `-`, or an existing FIFO, socket or character
 * device. False for regular files, directories and paths that do not exist (their reader reports them).
 */
export function isStreamInput(path: string): boolean {
  if (path === STDIO_PATH) return true;
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats !== undefined && (stats.isFIFO() || stats.isSocket() || stats.isCharacterDevice());
}

/** True when `fd` is a terminal (bytes typed by a person, not a file or a pipe). */
export function isTerminal(fd: number): boolean {
  return isatty(fd);
}

/** One shared word for {@link readSomeSync}'s back-off (Atomics.wait needs shared memory). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** How long a read waits before trying a non-blocking descriptor again. */
const RETRY_MS = 2;

/**
 * `readSync` at the current position of a descriptor that may be non-blocking (a pipe another
 * process set O_NONBLOCK on answers EAGAIN while it is empty): waits and tries again instead of
 * failing, so a slow writer is waited for as with a blocking read.
 * @returns the bytes read, 0 at the end of the stream
 */
export function readSomeSync(fd: number, into: Uint8Array, offset: number, length: number): number {
  for (;;) {
    try {
      return readSync(fd, into, offset, length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, RETRY_MS);
    }
  }
}
