/**
 * NumPy .npz archives (`numpy.savez` / `savez_compressed`): a zip of `<name>.npy` members.
 */
import { FormatError, InvalidOptionError } from '../errors.js';
import { ByteBudget, resolveLimits } from '../limits.js';
import { readInputFile } from './input-file.js';
import { checkArrayLike, readNpy, readNpyTyped, writeNpy, type NpyArray, type NpyArrayLike, type NpyFileReadOptions, type NpyReadOptions, type NpyTypedResult } from './npy.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { extractZipEntry, listZipEntries, writeZip, type ZipEntry } from './zip.js';

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
 * An .npz archive whose members are inflated only when read: listing it reads the central directory
 * alone, so a member nobody asks for costs nothing, however large it claims to be. Each member's
 * declared uncompressed size is checked against `limits.maxTensorBytes`, and the members read so far
 * together against `limits.maxTotalBytes`, before it is inflated; inflation stops at the declared size.
 */
export class NpzArchive {
  /** Member names without `.npy`, in archive order. */
  readonly names: readonly string[];
  private readonly entries = new Map<string, ZipEntry>();
  private readonly budget: ByteBudget;

  /**
   * Lists the archive's members.
   * @throws FormatError for a bad archive, a member not named `*.npy` or a name used twice
   */
  constructor(
    private readonly bytes: Uint8Array,
    readonly source = '<buffer>',
    private readonly options: NpyReadOptions = {},
  ) {
    this.budget = new ByteBudget(resolveLimits(options.limits));
    for (const entry of listZipEntries(bytes, source)) {
      if (!entry.name.endsWith('.npy')) {
        throw new FormatError(`${source}: npz member names must end in .npy, got '${entry.name}'`, source);
      }
      const name = entry.name.slice(0, -4);
      if (this.entries.has(name)) throw new FormatError(`${source}: npz member names must be unique, got '${entry.name}' twice`, source);
      this.entries.set(name, entry);
    }
    this.names = [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** @throws FormatError naming the first of `names` (without `.npy`) that is not a member */
  require(names: readonly string[]): void {
    const missing = names.find((n) => !this.entries.has(n));
    if (missing === undefined) return;
    throw new FormatError(`${this.source}: npz member '${missing}.npy' must exist, got members ${this.names.map((n) => `${n}.npy`).join(', ')}`, this.source);
  }

  /** Reads member `name` (without `.npy`) as float32 (see {@link readNpy}). @throws as {@link NpzArchive.bytesOf} */
  read(name: string): NpyArray {
    return readNpy(this.bytesOf(name), `${this.source}[${name}.npy]`, this.options);
  }

  /** Reads member `name` in its own element type (see {@link readNpyTyped}). @throws as {@link NpzArchive.bytesOf} */
  readTyped(name: string): NpyTypedResult {
    return readNpyTyped(this.bytesOf(name), `${this.source}[${name}.npy]`, this.options);
  }

  /**
   * The uncompressed .npy bytes of a member.
   * @throws FormatError when the member does not exist or its data is corrupt; LimitError when its
   *   declared size, or the total read from this archive, is over the limits
   */
  bytesOf(name: string): Uint8Array {
    this.require([name]);
    const entry = this.entries.get(name)!;
    this.budget.reserve(entry.uncompressedSize, `${this.source}[${entry.name}]`, 'uncompressed member');
    return extractZipEntry(this.bytes, entry, this.source);
  }
}

/**
 * Opens an .npz archive held in memory; members are read one by one (see {@link NpzArchive}).
 * @throws FormatError for a bad archive
 */
export function openNpz(bytes: Uint8Array, source = '<buffer>', options: NpyReadOptions = {}): NpzArchive {
  return new NpzArchive(bytes, source, options);
}

/**
 * Reads every member of an .npz archive as float32 (see {@link readNpy}).
 * @returns member name without `.npy` → array, in archive order.
 * @throws FormatError for a bad archive, a member not named `*.npy`, or a refused member; the message
 *   names the member as `<source>[<member>]`. LimitError when a member read is over the limits.
 */
export function readNpz(bytes: Uint8Array, source = '<buffer>', options: NpzReadOptions = {}): Map<string, NpyArray> {
  return readMembers(openNpz(bytes, source, options), options, (a, name) => a.read(name));
}

/** Reads every member of an .npz archive in its own element type (see {@link readNpyTyped}). */
export function readNpzTyped(bytes: Uint8Array, source = '<buffer>', options: NpzReadOptions = {}): Map<string, NpyTypedResult> {
  return readMembers(openNpz(bytes, source, options), options, (a, name) => a.readTyped(name));
}

/**
 * Reads an .npz file from disk as float32 (see {@link readNpz}).
 * @throws InvalidOptionError when the path is not a readable regular file (see {@link readInputFile})
 */
export function readNpzFile(path: string, options: NpzReadOptions & NpyFileReadOptions = {}): Map<string, NpyArray> {
  return readNpz(readInputFile(path, options), path, options);
}

function readMembers<T>(archive: NpzArchive, options: NpzReadOptions, read: (archive: NpzArchive, name: string) => T): Map<string, T> {
  const only = options.only;
  if (only !== undefined) archive.require(only);
  const names = only === undefined ? archive.names : archive.names.filter((n) => only.includes(n));
  return new Map(names.map((name) => [name, read(archive, name)]));
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
