/**
 * Refusing to write a file over one of the command's own inputs (or over another of its outputs):
 * `score --output data.npy --data data.npy` would otherwise replace the data by its scores.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** A file given to a step, with the option it came from (as the user spelled it, e.g. `--output`). */
export interface NamedPath {
  option: string;
  path: string;
}

/**
 * True when `a` and `b` name the same file: the same real path (symbolic links followed, also for a
 * link that does not exist yet as the last part), or, when both exist, the same device and inode
 * (hard links).
 */
export function isSameFile(a: string, b: string): boolean {
  if (realOrResolved(a) === realOrResolved(b)) return true;
  const sa = statOrNothing(a);
  const sb = statOrNothing(b);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * The file's stats, or undefined when it cannot be stat'ed (missing, ENOTDIR, EACCES): such a path
 * names no existing file, and the read or write that follows reports why in its own words.
 */
function statOrNothing(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Throws when an output names the same file as an input or as an earlier output.
 * @param where leads the message, e.g. `score`
 * @param outputs the files the step writes (undefined entries are skipped)
 * @param inputs the files the step reads (undefined entries are skipped)
 * @throws UsageError `<where>: <output option> must not be the same file as <other option> (it would
 *   be overwritten), got <path> and <path> (both <real path>)`
 */
export function refuseSameFile(where: string, outputs: readonly (NamedPath | undefined)[], inputs: readonly (NamedPath | undefined)[] = []): void {
  const outs = outputs.filter((o): o is NamedPath => o !== undefined);
  const ins = inputs.filter((i): i is NamedPath => i !== undefined);
  for (let k = 0; k < outs.length; k++) {
    const out = outs[k]!;
    for (const other of [...ins, ...outs.slice(0, k)]) {
      if (!isSameFile(out.path, other.path)) continue;
      throw new UsageError(
        `${where}: ${out.option} must not be the same file as ${other.option} (it would be overwritten), got ${out.path} and ${other.path} (both ${realOrResolved(other.path)})`,
      );
    }
  }
}

/** The real path of a file, or of its directory joined with its name when it does not exist yet. */
export function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}
