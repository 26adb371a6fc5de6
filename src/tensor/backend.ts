/**
 * Which implementation the kernels run: `js` (the TypeScript loops, the readable reference) or
 * `wasm` (f32x4 WebAssembly emitted from TypeScript at run time, see ./wasm/ and docs/kernels.md).
 * Both compute the same functions; they agree within float32 rounding, not bit for bit, and each is
 * deterministic on its own. Chosen by {@link setBackend}, else the `DADM_BACKEND` environment
 * variable, else `auto`: `wasm` where the engine compiles WebAssembly with 128-bit SIMD, `js`
 * elsewhere (no WebAssembly, no SIMD, or compiling refused, e.g. by a content security policy),
 * said once through {@link setBackendNotice}.
 */
import { InvalidOptionError } from '../errors.js';
// A namespace: the runtime bundle loads the emitter on its first use (./wasm-emitter.ts).
import * as wasmEmitter from './wasm-emitter.js';

/** What a caller may ask for. */
export type BackendOption = 'auto' | 'js' | 'wasm';
/** What runs. */
export type Backend = 'js' | 'wasm';

/** The options, in the order messages list them. */
export const BACKEND_OPTIONS: readonly BackendOption[] = ['auto', 'js', 'wasm'];

let requested: BackendOption | null = null;
let active: Backend | null = null;
let notice: ((message: string) => void) | null = null;

/**
 * Selects the kernels for the whole process (and worker threads started afterwards).
 * @returns the backend that will run
 * @throws InvalidOptionError for an unknown option, or `wasm` where WebAssembly SIMD is unavailable
 */
export function setBackend(option: BackendOption): Backend {
  check(option, 'setBackend: backend');
  requested = option;
  active = null;
  return backend();
}

/** The backend the kernels use now (resolved on first call). */
export function backend(): Backend {
  return active ?? resolve();
}

/** Calls of {@link withJsKernels} in progress, and whether a kernel asked {@link wasmActive} inside them. */
let jsScopes = 0;
let askedInScope = false;

/** True when the WebAssembly kernels run; the one test every dispatching kernel makes. */
export function wasmActive(): boolean {
  if (jsScopes > 0) {
    askedInScope = true;
    return false;
  }
  return (active ?? resolve()) === 'wasm';
}

/**
 * Runs `f` on the JavaScript kernels whatever the backend: for work done a few times only, where
 * emitting and compiling the WebAssembly kernels costs more than they save (a model's first scores,
 * runtime/onnx-model.ts). Does not resolve the backend.
 * @returns f's value, and whether a kernel asked which backend runs (false: f did nothing that the
 *   backend changes)
 */
export function withJsKernels<T>(f: () => T): { value: T; askedBackend: boolean } {
  const outer = askedInScope;
  jsScopes++;
  askedInScope = false;
  try {
    const value = f();
    return { value, askedBackend: askedInScope };
  } finally {
    jsScopes--;
    askedInScope ||= outer;
  }
}

/**
 * True when the js backend is chosen (by {@link setBackend} or `DADM_BACKEND`), without resolving
 * `auto`: for WebAssembly that needs no SIMD and runs once, the ONNX loader's (runtime/load-wasm.ts),
 * whose start-up the probe's heap and kernel would cost more than they save.
 */
export function jsChosen(): boolean {
  return (requested ?? fromEnvironment()) === 'js';
}

/** Receives, once, the reason `auto` chose `js` (the CLI prints it with --verbose); null removes it. */
export function setBackendNotice(hook: ((message: string) => void) | null): void {
  notice = hook;
}

function resolve(): Backend {
  const option = requested ?? fromEnvironment();
  const reason = option === 'js' ? null : wasmEmitter.wasmUnavailableReason();
  if (option === 'wasm' && reason !== null) {
    throw new InvalidOptionError(`backend: 'wasm' must run where WebAssembly SIMD compiles, got ${reason}`, 'backend');
  }
  active = option === 'js' || reason !== null ? 'js' : 'wasm';
  if (option === 'auto' && reason !== null) notice?.(`backend: auto chose js because ${reason}`);
  return active;
}

function fromEnvironment(): BackendOption {
  const value = typeof process === 'object' ? process.env['DADM_BACKEND'] : undefined;
  if (value === undefined || value === '') return 'auto';
  check(value, 'DADM_BACKEND');
  return value as BackendOption;
}

function check(value: unknown, where: string): void {
  if (!BACKEND_OPTIONS.includes(value as BackendOption)) {
    throw new InvalidOptionError(`${where} must be one of ${BACKEND_OPTIONS.join(', ')}, got ${JSON.stringify(value)}`, 'backend');
  }
}
