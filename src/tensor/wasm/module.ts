/**
 * Assembles a WebAssembly module from {@link FunctionBuilder}s: one imported memory (`env.memory`)
 * and the functions, each exported under its name unless marked internal. No `.wasm` file exists in
 * dadm: every module is built from these TypeScript functions at run time, so what runs is what the
 * source says (`dadm kernels --dump NAME` prints the bytes and their listing).
 * Format: https://webassembly.github.io/spec/core/binary/modules.html
 */
import { ByteWriter, FunctionBuilder, uleb } from './code.js';
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
   * The module's bytes. With `copies`, function f is there `copies(f)` times (at least once): copy 0 is
   * f itself (its index, its export) and copies 1.. follow all of the functions, each a function of its
   * own to the engine, with its own compilation (lazy in V8: on its first call) and its own tier-up
   * budget (see runtime/load-wasm.ts). JavaScript reaches every function through the exported table
   * {@link COPIES_TABLE}, whose slot i holds function i ({@link copyIndex}): a table, not an export per
   * copy, because each export is a function object the engine makes when it instantiates the module.
   * Only functions that call none are copied: a call's target would be copy 0's index.
   */
  bytes(copies?: (f: FunctionBuilder) => number): Uint8Array<ArrayBuffer> {
    const entries = this.entries(copies);
    const table = entries.length > this.functions.length;
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
    section(out, 3, entries.length, (w) => entries.forEach((f) => w.uleb(f.index)));
    // A funcref table of fixed size (limits flag 1: min and max).
    if (table) section(out, 4, 1, (w) => w.bytes([0x70, 0x01]).uleb(entries.length).uleb(entries.length));
    const exported = this.functions.filter((f) => this.isExported(f));
    section(out, 7, exported.length + (table ? 1 : 0), (w) => {
      for (const f of exported) w.name(f.name).bytes([0x00]).uleb(f.index);
      if (table) w.name(COPIES_TABLE).bytes([0x01, 0x00]);
    });
    // One active segment at offset 0 of table 0 (flags 0, then `i32.const 0 end`): slot i = function i.
    if (table) section(out, 9, 1, (w) => w.bytes([0x00, 0x41, 0x00, 0x0b]).uleb(entries.length).bytes(entries.flatMap((_, i) => uleb(i))));
    // Each body encoded once: copies share its bytes.
    const bodies = this.functions.map((f) => f.encodeBody());
    section(out, 10, entries.length, (w) => entries.forEach((f) => w.bytes(bodies[f.index]!)));
    return out.view().slice();
  }

  /** The index of copy `c` of `f` in the module `bytes(copies)` writes: its slot in {@link COPIES_TABLE}. */
  copyIndex(copies: (f: FunctionBuilder) => number, f: FunctionBuilder, c: number): number {
    const slot = this.copySlots(copies)[f.index]?.[c];
    if (slot === undefined) throw new Error(`${this.name}: ${f.name} has no copy ${c} in this module`);
    return slot;
  }

  /** Per function (by index), the slots of its copies in order, from one pass over the module's layout. */
  copySlots(copies: (f: FunctionBuilder) => number): number[][] {
    const slots: number[][] = this.functions.map(() => []);
    this.entries(copies).forEach((f, i) => slots[f.index]!.push(i));
    return slots;
  }

  /** The module's functions in index order: copy 0 of each (a function's index is its own), then the further copies of each. */
  private entries(copies: ((f: FunctionBuilder) => number) | undefined): FunctionBuilder[] {
    const entries = this.functions.slice();
    if (copies === undefined) return entries;
    for (const f of this.functions) {
      const n = copies(f);
      if (n > 1 && f.code.calls) throw new Error(`${this.name}: ${f.name} calls a function and cannot be copied`);
      for (let c = 1; c < n; c++) entries.push(f);
    }
    return entries;
  }
}

/** The name under which a module with copies exports its table of functions (see {@link ModuleBuilder.bytes}). */
export const COPIES_TABLE = 'copies';

/** Section `id`: its size, then a vector of `count` items that `write` writes. */
function section(out: ByteWriter, id: number, count: number, write: (w: ByteWriter) => void): void {
  const content = new ByteWriter();
  write(content.uleb(count));
  out.bytes([id]).uleb(content.length).bytes(content.view());
}
