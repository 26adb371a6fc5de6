/**
 * NumPy .npz archives (`numpy.savez` / `savez_compressed`): a zip of `<name>.npy` members.
 */
import { readFileSync } from 'node:fs';
import { FormatError, InvalidOptionError } from '../errors.js';
import { checkArrayLike, readNpy, readNpyTyped, writeNpy, type NpyArray, type NpyArrayLike, type NpyReadOptions, type NpyTypedResult } from './npy.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { extractZipEntry, listZipEntries, writeZip } from './zip.js';

/** Options of the .npz readers. */
export interface NpzReadOptions extends NpyReadOptions {
  /** Read only these members (names without `.npy`); every listed name must exist. Default: all. */
  only?: readonly string[];
}

/** Options of {@link writeNpz}. */
export interface NpzWriteOptions {
  /** Deflate the members, like `numpy.savez_compressed`. Default false (stored, like `numpy.savez`). */
  compress?: boolean;
}

/**
 * Reads every member of an .npz archive as float32 (see {@link readNpy}).
 * @returns member name without `.npy` → array, in archive order.
 * @throws FormatError for a bad archive, a member not named `*.npy`, or a refused member; the message
 *   names the member as `<source>[<member>]`.
 */
export function readNpz(bytes: Uint8Array, source = '<buffer>', options: NpzReadOptions = {}): Map<string, NpyArray> {
  return readMembers(bytes, source, options, readNpy);
}

/** Reads every member of an .npz archive in its own element type (see {@link readNpyTyped}). */
export function readNpzTyped(bytes: Uint8Array, source = '<buffer>', options: NpzReadOptions = {}): Map<string, NpyTypedResult> {
  return readMembers(bytes, source, options, readNpyTyped);
}

/** Reads an .npz file from disk as float32 (see {@link readNpz}). */
export function readNpzFile(path: string, options: NpzReadOptions = {}): Map<string, NpyArray> {
  return readNpz(readFileSync(path), path, options);
}

function readMembers<T>(
  bytes: Uint8Array,
  source: string,
  options: NpzReadOptions,
  read: (bytes: Uint8Array, source: string, options: NpyReadOptions) => T,
): Map<string, T> {
  const out = new Map<string, T>();
  const wanted = options.only === undefined ? undefined : new Set(options.only);
  for (const entry of listZipEntries(bytes, source)) {
    if (!entry.name.endsWith('.npy')) {
      throw new FormatError(`${source}: npz member names must end in .npy, got '${entry.name}'`, source);
    }
    const key = entry.name.slice(0, -4);
    if (out.has(key)) throw new FormatError(`${source}: npz member names must be unique, got '${entry.name}' twice`, source);
    if (wanted && !wanted.has(key)) continue;
    const where = `${source}[${entry.name}]`;
    out.set(key, read(extractZipEntry(bytes, entry, source), where, options));
  }
  for (const name of wanted ?? []) {
    if (!out.has(name)) throw new FormatError(`${source}: npz member '${name}.npy' must exist, got members ${listZipEntries(bytes, source).map((e) => e.name).join(', ')}`, source);
  }
  return out;
}

/**
 * Builds an .npz archive that `numpy.load(f, allow_pickle=False)` reads; the same input always gives
 * the same bytes. Members are written in the iteration order of `entries` as `<name>.npy`.
 * @throws InvalidOptionError for an empty name or one containing `/`; errors of {@link writeNpy} name the member.
 */
export function writeNpz(entries: Readonly<Record<string, NpyArrayLike>> | ReadonlyMap<string, NpyArrayLike>, options: NpzWriteOptions = {}): Uint8Array {
  const list = entries instanceof Map ? [...entries] : Object.entries(entries as Record<string, NpyArrayLike>);
  const members = list.map(([name, array]) => {
    if (name.length === 0 || name.includes('/') || name.includes('\\')) {
      throw new InvalidOptionError(`writeNpz: member names must be non-empty and contain no '/' or '\\', got '${name}'`, 'entries');
    }
    checkArrayLike(array, `writeNpz[${name}]`);
    return { name: `${name}.npy`, data: writeNpy(array) };
  });
  return writeZip(members, options.compress ?? false);
}

/** Writes {@link writeNpz}'s bytes to `path` atomically. */
export function writeNpzFile(
  path: string,
  entries: Readonly<Record<string, NpyArrayLike>> | ReadonlyMap<string, NpyArrayLike>,
  options: NpzWriteOptions = {},
): void {
  writeFileAtomic(path, writeNpz(entries, options));
}
