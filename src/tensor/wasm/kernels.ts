/**
 * The table of WebAssembly kernel modules: each is emitted by one TypeScript function, compiled on
 * first use and instantiated once per thread on the shared heap (./heap.ts). `dadm kernels --list`
 * and `--dump NAME` read this table (./listing.ts).
 */
import { addAttention } from './attention-kernel.js';
import { addElementwise } from './elementwise-kernel.js';
import { addForest, addTreeGroups } from './forest-kernel.js';
import { addGemm, addGemv } from './gemm-kernel.js';
import { addInt8 } from './int8-kernel.js';
import { addNormalize } from './normalize-kernel.js';
import { MAX_PAGES, heapIsShared, heapMemory } from './heap.js';
import { MEMORY_IMPORT, ModuleBuilder } from './module.js';

/** One kernel module: its name, what it computes and the function that emits it. */
export interface KernelModuleSpec {
  name: string;
  summary: string;
  build(mod: ModuleBuilder): void;
}

/** Every kernel module, in listing order. */
export const KERNEL_MODULES: readonly KernelModuleSpec[] = [
  {
    name: 'gemm',
    summary: 'C (=|+=) alpha op(A) op(B): a 4x8 f32x4 register tile over KC-slices of packed B panels',
    build: addGemm,
  },
  {
    name: 'gemv',
    summary: 'one-row products y (=|+=) alpha x op(B): axpy over the rows of B, or dot products with the rows of B^T',
    build: addGemv,
  },
  {
    name: 'elementwise',
    summary: 'bias + ReLU epilogue, ReLU gradient, column sums, squared-error loss and gradient, row scores, Adam update',
    build: addElementwise,
  },
  {
    name: 'int8',
    summary: 'dynamic-quantization linear layer: int16 dot products (i32x4.dot_i16x8_s) into exact int32 sums, then scale and bias',
    build: addInt8,
  },
  {
    name: 'normalize',
    summary: 'row normalizations: LayerNorm (mean, biased variance, affine) and softmax (Cephes expf in f32x4 lanes)',
    build: addNormalize,
  },
  {
    name: 'forest',
    summary: 'forest scoring, branch-free to the tree depth with float64 sums: four rows walk each tree together (isolation forest); one row walks eight trees together (ONNX TreeEnsemble)',
    build: (mod) => {
      addForest(mod);
      addTreeGroups(mod);
    },
  },
  {
    name: 'attention',
    summary: 'scaled dot-product attention forward and backward over every (sequence, head) block, one pair per head width 4..32 with the head rows in registers',
    build: addAttention,
  },
];

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
 * A driver's handle on module `name`: the exports, looked up on the first call and kept for this
 * thread. Drivers call the handle per kernel call, not {@link kernelExports}: a Map lookup per call
 * left about 40 bytes of garbage per product once a process had trained (measured on W2).
 */
export function kernelsOf(name: string): () => Exports {
  let cached: Exports | null = null;
  return () => (cached ??= kernelExports(name));
}

/** The exported functions of module `name`, instantiated on this thread's heap. */
export function kernelExports(name: string): Exports {
  let exports = instances.get(name);
  if (exports === undefined) {
    let module = compiled.get(name);
    if (module === undefined) {
      const spec = KERNEL_MODULES.find((s) => s.name === name);
      if (spec === undefined) throw new Error(`kernelExports: no kernel module named ${name}`);
      module = new WebAssembly.Module(kernelModule(spec).bytes());
      compiled.set(name, module);
    }
    exports = new WebAssembly.Instance(module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.field]: heapMemory() } }).exports as Exports;
    instances.set(name, exports);
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
  const mod = new ModuleBuilder('probe', { minPages: 1, maxPages: MAX_PAGES, shared: false });
  const f = mod.func('probe');
  f.code.f32x4(1).op('drop');
  if (!WebAssembly.validate(mod.bytes())) return 'this engine has no WebAssembly SIMD';
  try {
    // Compiling and instantiating the smallest kernel module on the heap shows the engine allows both.
    kernelExports('gemv');
    return null;
  } catch (e) {
    return `compiling WebAssembly was refused (${(e as Error).message})`;
  }
}
