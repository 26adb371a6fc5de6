/** Backend selection: option and environment checks, and `auto` falling back to js with one notice. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { backend, setBackend, type BackendOption } from '../../src/tensor/index.js';
import { wasmActive, withJsKernels } from '../../src/tensor/kernels.js';
import { expectError } from './expect-error.js';

describe('backend', () => {
  const initial = backend();
  afterEach(() => {
    setBackend(initial);
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('runs the backend the CI project asks for through DADM_BACKEND', () => {
    const asked = process.env['DADM_BACKEND'];
    if (asked === 'js' || asked === 'wasm') expect(backend()).toBe(asked);
  });

  it('switches with setBackend and returns what runs', () => {
    expect(setBackend('js')).toBe('js');
    expect(backend()).toBe('js');
  });

  it('withJsKernels runs the JavaScript kernels inside and the backend outside, and says whether a kernel asked', () => {
    const outside = wasmActive();
    expect(withJsKernels(() => 7)).toEqual({ value: 7, askedBackend: false });
    expect(withJsKernels(() => wasmActive())).toEqual({ value: false, askedBackend: true });
    // An inner scope's question is the outer one's too; the inner one's answer is its own.
    const outer = withJsKernels(() => withJsKernels(() => wasmActive()).askedBackend);
    expect(outer).toEqual({ value: true, askedBackend: true });
    expect(withJsKernels(() => withJsKernels(() => 1)).askedBackend).toBe(false);
    expect(() => withJsKernels(() => {
      wasmActive();
      throw new RangeError('inside');
    })).toThrow(RangeError);
    expect(wasmActive()).toBe(outside);
    setBackend('wasm');
    expect(wasmActive()).toBe(true);
    expect(withJsKernels(() => wasmActive()).value).toBe(false);
    expect(wasmActive()).toBe(true);
  });

  it('throws InvalidOptionError for an unknown option, naming the choices', () => {
    expectError(() => setBackend('gpu' as BackendOption), InvalidOptionError, /setBackend: backend must be one of auto, js, wasm, got "gpu"/);
  });

  // A fresh copy of the modules (vi.resetModules) sees the stubbed environment; its error classes are fresh too.
  it('throws InvalidOptionError for an unknown DADM_BACKEND', async () => {
    vi.stubEnv('DADM_BACKEND', 'fast');
    const fresh = await import('../../src/tensor/backend.js');
    const errors = await import('../../src/errors.js');
    expectError(() => fresh.backend(), errors.InvalidOptionError, /DADM_BACKEND must be one of auto, js, wasm, got "fast"/);
  });

  it('falls back to js under auto where WebAssembly is missing, saying why once; wasm is then an error', async () => {
    vi.stubEnv('DADM_BACKEND', 'auto');
    vi.stubGlobal('WebAssembly', undefined);
    const fresh = await import('../../src/tensor/backend.js');
    const errors = await import('../../src/errors.js');
    const notices: string[] = [];
    fresh.setBackendNotice((m) => notices.push(m));
    expect(fresh.backend()).toBe('js');
    expect(fresh.backend()).toBe('js');
    expect(notices).toEqual(['backend: auto chose js because this engine has no WebAssembly']);
    expectError(() => fresh.setBackend('wasm'), errors.InvalidOptionError, /backend: 'wasm' must run where WebAssembly SIMD compiles, got this engine has no WebAssembly/);
  });
});
