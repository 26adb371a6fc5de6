/**
 * Assembles a WebAssembly module from {@link FunctionBuilder}s: one imported memory (`env.memory`)
 * and the functions, each exported under its name unless marked internal. No `.wasm` file exists in
 * dadm: every module is built from these TypeScript functions at run time, so what runs is what the
 * source says (`dadm kernels --dump NAME` prints the bytes and their listing).
 * Format: https://webassembly.github.io/spec/core/binary/modules.html
 */
import { FunctionBuilder, uleb } from './code.js';
import { VALUE_TYPES } from './opcodes.js';

/** The memory a module imports. */

/** Where every kernel module imports the heap from: `{ env: { memory } }` at instantiation. */
export const MEMORY_IMPORT = { module: 'env', field: 'memory' } as const;
export interface MemoryImport {
  /** Minimum size in 64 KiB pages (the imported memory must be at least this large). */
  minPages: number;
  /** Maximum size in pages; a shared memory must declare one. */
  maxPages: number;
  /** A memory several threads use (backed by a SharedArrayBuffer). */
  shared: boolean;
}

/** A module under construction. */
export class ModuleBuilder {
  readonly functions: FunctionBuilder[] = [];
  private readonly internal = new Set<number>();

  constructor(readonly name: string, readonly memory: MemoryImport) {}

  /** Declares a function (its index is its position); `exported: false` keeps it internal. */
  func(name: string, exported = true): FunctionBuilder {
    const f = new FunctionBuilder(this.functions.length, name);
    this.functions.push(f);
    if (!exported) this.internal.add(f.index);
    return f;
  }

  isExported(f: FunctionBuilder): boolean {
    return !this.internal.has(f.index);
  }

  /** The module's bytes. */
  bytes(): Uint8Array<ArrayBuffer> {
    // concat, not spreads: see Code.bytes.
    const types = this.functions.map((f) => [0x60].concat(
      vec(f.params.map((p) => [VALUE_TYPES[p.type]])),
      vec(f.result === null ? [] : [[VALUE_TYPES[f.result]]]),
    ));
    const { minPages, maxPages, shared } = this.memory;
    const memory = name(MEMORY_IMPORT.module).concat(name(MEMORY_IMPORT.field), [0x02, shared ? 0x03 : 0x01], uleb(minPages), uleb(maxPages));
    const exports = this.functions.filter((f) => this.isExported(f)).map((f) => name(f.name).concat([0x00], uleb(f.index)));
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00].concat(
      section(1, vec(types)),
      section(2, vec([memory])),
      section(3, vec(this.functions.map((f) => uleb(f.index)))),
      section(7, vec(exports)),
      section(10, vec(this.functions.map((f) => f.encodeBody()))),
    );
    return Uint8Array.from(out);
  }
}

function section(id: number, content: number[]): number[] {
  return [id].concat(uleb(content.length), content);
}

function vec(items: readonly number[][]): number[] {
  return uleb(items.length).concat(...items);
}

function name(s: string): number[] {
  return uleb(s.length).concat(Array.from(s, (c) => c.charCodeAt(0)));
}
