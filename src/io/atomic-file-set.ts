/**
 * Several files that appear together or not at all, e.g. the three outputs of one training run: each
 * file is written to a temporary file next to its target when it is added, and `commit` renames them
 * all into place at the end. A failure before the commit leaves every target as it was.
 */
import { existsSync, renameSync, statSync } from 'node:fs';
import { DadmError, InvalidOptionError } from '../errors.js';
import { outputPathError } from './fs-errors.js';
import { removeQuietly } from './temp-files.js';
import { writeTempFile } from './write-file-atomic.js';

interface Staged {
  readonly path: string;
  readonly temp: string;
}

/**
 * Stages files in temporary files and renames them together. After a failed `add` or `commit` the set
 * is aborted (its temporary files removed). Errors name the target path, never a temporary file.
 */
export class AtomicFileSet {
  private readonly staged: Staged[] = [];
  private state: 'open' | 'committed' | 'aborted' = 'open';

  /** Target paths staged so far, in the order added. */
  get paths(): string[] {
    return this.staged.map((s) => s.path);
  }

  /**
   * Writes `bytes` to a fresh fsynced temporary file next to `path`; nothing appears at `path` yet.
   * @throws InvalidOptionError naming `path` when it was already added, is a directory, or cannot be
   *   written (missing or unwritable folder, full disk); the whole set is aborted then
   */
  add(path: string, bytes: Uint8Array): void {
    this.checkOpen('add');
    try {
      if (this.staged.some((s) => s.path === path)) {
        throw new InvalidOptionError(`AtomicFileSet.add: paths must be unique, got ${path} twice`, 'path');
      }
      // A rename onto a directory fails; finding out now keeps the commit from stopping halfway.
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) {
        throw new InvalidOptionError(`${path}: output path must not be a directory, got a directory`, 'path');
      }
      this.staged.push({ path, temp: writeTempFile(path, bytes) });
    } catch (err) {
      this.abort();
      throw outputPathError(path, err);
    }
  }

  /**
   * Renames every staged file over its target, in the order added. Should a rename still fail (the
   * targets were checked in `add`), the targets already renamed that did not exist before are removed
   * again and the remaining temporary files deleted; a target that was replaced keeps its new content.
   * @throws InvalidOptionError naming the target whose rename failed
   */
  commit(): void {
    this.checkOpen('commit');
    this.state = 'committed';
    const existed = this.staged.map((s) => existsSync(s.path));
    let done = 0;
    try {
      for (; done < this.staged.length; done++) renameSync(this.staged[done]!.temp, this.staged[done]!.path);
    } catch (err) {
      for (let k = 0; k < done; k++) if (!existed[k]) removeQuietly(this.staged[k]!.path);
      for (let k = done; k < this.staged.length; k++) removeQuietly(this.staged[k]!.temp);
      throw outputPathError(this.staged[done]!.path, err);
    }
  }

  /** Removes every temporary file; targets are left as they were. Harmless after commit or abort. */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    for (const s of this.staged) removeQuietly(s.temp);
  }

  private checkOpen(method: string): void {
    if (this.state !== 'open') throw new DadmError(`AtomicFileSet.${method}: file set must be open, got ${this.state}`);
  }
}
