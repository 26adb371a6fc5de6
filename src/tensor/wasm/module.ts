/**
 * Assembles a WebAssembly module from {@link FunctionBuilder}s: one imported memory (`env.memory`)
 * and the functions, each exported under its name unless marked internal. No `.wasm` file exists in
 * dadm: every module is built from these TypeScript functions at run time, so what runs is what the
 * source says (`dadm kernels --dump NAME` prints the bytes and their listing).
 * Format: https://webassembly.github.io/spec/core/binary/modules.html
 */
import { ByteWriter, FunctionBuilder } from './code.js';
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

  /**
   * `listing`: keep each function's instructions for `dadm kernels --dump` (listing.ts). Off, the
   * emitter writes bytes only: a module emitted at start-up makes no object per instruction.
   */
  constructor(readonly name: string, readonly memory: MemoryImport, readonly listing = false) {}

  /** Declares a function (its index is its position); `exported: false` keeps it internal. */
  func(name: string, exported = true): FunctionBuilder {
    const f = new FunctionBuilder(this.functions.length, name, this.listing);
    this.functions.push(f);
    if (!exported) this.internal.add(f.index);
    return f;
  }

  isExported(f: FunctionBuilder): boolean {
    return !this.internal.has(f.index);
  }

  /**
   * The module's bytes. With `copies`, function f is there `copies(f)` times (at least once), copy c
   * exported as {@link copyName}(f.name, c): each copy is a function of its own to the engine, with its
   * own compilation (lazy in V8: on its first call) and its own tier-up budget (see
   * runtime/load-wasm.ts). Only for functions that call none: a call's target would be copy 0's index.
   */
  bytes(copies?: (f: FunctionBuilder) => number): Uint8Array<ArrayBuffer> {
    // Copy 0 of every function first, so a function's index is its own; then the further copies.
    const entries = this.functions.map((f) => ({ f, c: 0 }));
    if (copies !== undefined) {
      for (const f of this.functions) {
        const n = copies(f);
        if (n > 1 && f.code.calls) throw new Error(`${this.name}: ${f.name} calls a function and cannot be copied`);
        for (let c = 1; c < n; c++) entries.push({ f, c });
      }
    }
    const { minPages, maxPages, shared } = this.memory;
    const out = new ByteWriter();
    out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    section(out, 1, this.functions.length, (w) => {
      for (const f of this.functions) {
        w.bytes([0x60]).uleb(f.params.length).bytes(f.params.map((p) => VALUE_TYPES[p.type]));
        w.bytes(f.result === null ? [0] : [1, VALUE_TYPES[f.result]]);
      }
    });
    section(out, 2, 1, (w) => w.name(MEMORY_IMPORT.module).name(MEMORY_IMPORT.field).bytes([0x02, shared ? 0x03 : 0x01]).uleb(minPages).uleb(maxPages));
    section(out, 3, entries.length, (w) => entries.forEach(({ f }) => w.uleb(f.index)));
    const exported = entries.filter(({ f }) => this.isExported(f));
    section(out, 7, exported.length, (w) => entries.forEach(({ f, c }, index) => this.isExported(f) && w.name(copyName(f.name, c)).bytes([0x00]).uleb(index)));
    // Each body encoded once: copies share its bytes.
    const bodies = this.functions.map((f) => f.encodeBody());
    section(out, 10, entries.length, (w) => entries.forEach(({ f }) => w.bytes(bodies[f.index]!)));
    return out.view().slice();
  }
}

/** The export name of copy `c` of function `name` (see {@link ModuleBuilder.bytes}): the name itself for copy 0. */
export function copyName(name: string, c: number): string {
  return c === 0 ? name : `${name}~${c}`;
}

/** Section `id`: its size, then a vector of `count` items that `write` writes. */
function section(out: ByteWriter, id: number, count: number, write: (w: ByteWriter) => void): void {
  const content = new ByteWriter();
  write(content.uleb(count));
  out.bytes([id]).uleb(content.length).bytes(content.view());
}
