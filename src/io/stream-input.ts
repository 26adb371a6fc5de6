/**
 * Standard input and output by path, and the one test of whether a path is read as a stream: `-`
 * means standard input (or output) for every dadm path option that takes it, and so does
 * `/dev/stdin` (or `/dev/fd/0`) when standard input is a pipe. Every other path must be a regular
 * file: a named pipe, socket or device given by name is refused by the checked open
 * (input-file.ts), so that a FIFO nobody writes to cannot hang a command. Standard input redirected
 * from a file (`< data.npy`) is a regular file under `/dev/stdin` and is read by position.
 */
import { fstatSync, readSync } from 'node:fs';
import { isatty } from 'node:tty';

/** The path that names standard input or standard output. */
export const STDIO_PATH = '-';

/** How messages name standard input given as `-`. */
export const STDIN_NAME = '<stdin>';

/** The descriptor of standard input. */
export const STDIN_FD = 0;

/** Names the system gives standard input's descriptor. */
const STDIN_ALIASES: ReadonlySet<string> = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/**
 * True when `path` is standard input read as a stream: `-`, or `/dev/stdin` (`/dev/fd/0`) while
 * standard input is not a regular file. False for every other path, whatever it names: the checked
 * open accepts only regular files.
 */
export function isStreamInput(path: string): boolean {
  if (path === STDIO_PATH) return true;
  if (!STDIN_ALIASES.has(path)) return false;
  try {
    return !fstatSync(STDIN_FD).isFile();
  } catch {
    // No standard input at all: the checked open reports the path.
    return false;
  }
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
