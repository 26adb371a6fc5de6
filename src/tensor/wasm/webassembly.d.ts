/**
 * The part of the WebAssembly JavaScript API that dadm's kernels use. lib.dom declares it, but dadm
 * compiles without DOM types; Node and browsers provide the objects at run time.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    /** Grows by `delta` pages; returns the previous size in pages. */
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: Uint8Array<ArrayBuffer>);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  /** A table of functions a module exports (the loader's copies: ./module.ts). */
  class Table {
    readonly length: number;
    get(index: number): unknown;
  }
  function validate(bytes: Uint8Array<ArrayBuffer>): boolean;
}
