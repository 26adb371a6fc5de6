/**
 * How a WebAssembly kernel module runs: each is emitted by one TypeScript function, named with its
 * summary by a {@link KernelModuleSpec} that its emitter file exports (GEMM_MODULE in
 * ./gemm-kernel.ts, ...), compiled on first use and instantiated once per thread on the shared heap
 * (./heap.ts). Each driver imports the specs it runs, so a process loads only the emitters of the
 * kernels it can call (the edge runtime's bundle carries no training kernel: issue 19). `dadm
 * kernels` lists every module from ./listing.ts.
 */
import { MAX_PAGES, heapIsShared, heapMemory } from './heap.js';
import { MEMORY_IMPORT, ModuleBuilder } from './module.js';

/** One kernel module: its name, what it computes and the function that emits it. */
export interface KernelModuleSpec {
  name: string;
  summary: string;
  build(mod: ModuleBuilder): void;
}

/** The module `spec` emits, importing a memory shared or not as the heap is; `listing` as ModuleBuilder's. */
export function kernelModule(spec: KernelModuleSpec, shared = heapIsShared(), listing = false): ModuleBuilder {
  const mod = new ModuleBuilder(spec.name, { minPages: 1, maxPages: MAX_PAGES, shared }, listing);
  spec.build(mod);
  return mod;
}

type Exports = Record<string, (...args: number[]) => number>;
const compiled = new Map<string, WebAssembly.Module>();
const instances = new Map<string, Exports>();

/**
 * A driver's handle on module `spec`: the exports, looked up on the first call and kept for this
 * thread. Drivers call the handle per kernel call, not {@link kernelExports}: a Map lookup per call
 * left about 40 bytes of garbage per product once a process had trained (measured on W2).
 */
export function kernelsOf(spec: KernelModuleSpec): () => Exports {
  let cached: Exports | null = null;
  return () => (cached ??= kernelExports(spec));
}

/** The exported functions of module `spec`, instantiated on this thread's heap (one per spec name). */
export function kernelExports(spec: KernelModuleSpec): Exports {
  let exports = instances.get(spec.name);
  if (exports === undefined) {
    let module = compiled.get(spec.name);
    if (module === undefined) {
      module = new WebAssembly.Module(kernelModule(spec).bytes());
      compiled.set(spec.name, module);
    }
    exports = new WebAssembly.Instance(module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.field]: heapMemory() } }).exports as Exports;
    instances.set(spec.name, exports);
  }
  return exports;
}

let unavailable: string | null | undefined;

/**
 * Why the WebAssembly kernels cannot run here, or null when they can: the engine must have
 * WebAssembly, validate 128-bit SIMD and agree to compile and instantiate a module on the heap.
 */
export function wasmUnavailableReason(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = probe();
  return unavailable;
}

function probe(): string | null {
  if (typeof WebAssembly !== 'object') return 'this engine has no WebAssembly';
  const mod = new ModuleBuilder('probe', { minPages: 1, maxPages: MAX_PAGES, shared: heapIsShared() });
  const f = mod.func('probe');
  f.code.f32x4(1).op('drop');
  const bytes = mod.bytes();
  if (!WebAssembly.validate(bytes)) return 'this engine has no WebAssembly SIMD';
  try {
    // Compiling the probe and instantiating it on the heap shows the engine allows both, without
    // emitting a kernel module here: a model's plan compiles the modules it runs when it first runs them.
    new WebAssembly.Instance(new WebAssembly.Module(bytes), { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.field]: heapMemory() } });
    return null;
  } catch (e) {
    return `compiling WebAssembly was refused (${(e as Error).message})`;
  }
}
