/**
 * A file written in pieces that appears at its path only when complete: the bytes go to a temporary
 * file next to it, `finish` fsyncs and renames it into place, `abort` removes it. The streamed
 * writers (.npy rows, generated event lines) build on it; whole buffers use writeFileAtomic.
 */
import { closeSync, fsyncSync, openSync, renameSync } from 'node:fs';
import { DadmError } from '../errors.js';
import { outputPathError } from './fs-errors.js';
import { removeQuietly, tempPathFor } from './temp-files.js';
import { writeAllSync } from './write-file-atomic.js';

/** Appends bytes to a temporary file; nothing appears at `path` until {@link finish} succeeds. */
export class AtomicStreamFile {
  private readonly temp: string;
  private fd: number | undefined;

  /** @throws InvalidOptionError naming `path` when the temporary file cannot be created (e.g. no such folder) */
  constructor(readonly path: string) {
    this.temp = tempPathFor(path);
    try {
      this.fd = openSync(this.temp, 'wx', 0o666);
    } catch (err) {
      throw outputPathError(path, err);
    }
  }

  /** Whether the file is still being written (not finished or aborted). */
  get open(): boolean {
    return this.fd !== undefined;
  }

  /** Appends `bytes` (text is written as UTF-8). @throws InvalidOptionError naming `path` when the write fails (the file is aborted) */
  write(bytes: Uint8Array | string): void {
    const fd = this.openFd('write');
    try {
      writeAllSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    } catch (err) {
      this.abort(); // a partial write would leave the rest misplaced
      throw outputPathError(this.path, err);
    }
  }

  /** Fsyncs and renames the file into place. @throws InvalidOptionError naming `path` when that fails (the temporary file is removed) */
  finish(): void {
    const fd = this.openFd('finish');
    this.fd = undefined;
    try {
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(this.temp, this.path);
    } catch (err) {
      removeQuietly(this.temp);
      throw outputPathError(this.path, err);
    }
  }

  /** Discards everything written; `path` is left as it was. Harmless after finish or abort. */
  abort(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    removeQuietly(this.temp);
  }

  private openFd(method: string): number {
    if (this.fd === undefined) throw new DadmError(`${this.constructor.name}.${method}: file must be open, got finished or aborted (${this.path})`);
    return this.fd;
  }
}
