/** `dadm kernels`: the module table, and a dump whose hex is exactly the compiled bytes. */
import { describe, expect, it } from 'vitest';
import { kernelModule } from '../../src/tensor/wasm/kernels.js';
import { KERNEL_MODULES } from '../../src/tensor/wasm/listing.js';
import { expectOneLineError, run } from './helpers.js';

describe('dadm kernels', () => {
  it('lists every kernel module with its functions (the default)', async () => {
    const r = await run('kernels');
    expect(r.code).toBe(0);
    for (const spec of KERNEL_MODULES) expect(r.out).toMatch(new RegExp(`^${spec.name} +\\d+ bytes`, 'm'));
    expect(r.out).toMatch(/gemv_axpy, gemv_dot/);
  });

  it('--dump prints hex that is the module as compiled, and a listing with named locals and notes', async () => {
    const r = await run('kernels', '--dump', 'int8', '--json');
    expect(r.code).toBe(0);
    const dump = JSON.parse(r.out) as { hex: string[]; listing: string[] };
    const bytes = dump.hex.flatMap((line) => line.slice(8).split(' ').map((h) => parseInt(h, 16)));
    const spec = KERNEL_MODULES.find((s) => s.name === 'int8')!;
    expect(Uint8Array.from(bytes)).toEqual(kernelModule(spec, true).bytes());
    expect(WebAssembly.validate(Uint8Array.from(bytes))).toBe(true);
    expect(dump.listing).toContain('  (func $qlinear (export "qlinear")');
    expect(dump.listing.some((l) => /^\s+i32x4\.dot_i16x8_s$/.test(l))).toBe(true);
    expect(dump.listing.some((l) => /^\s+local\.get \$shift$/.test(l))).toBe(true);
    expect(dump.listing.some((l) => /^\s+;; four outputs at a time/.test(l))).toBe(true);
  });

  it('refuses an unknown module with one line naming the modules, exit 2', async () => {
    const r = await run('kernels', '--dump', 'fft');
    expect(r.code).toBe(2);
    expectOneLineError(r, /^dadm kernels: --dump NAME must be one of gemm, gemv, elementwise, int8, normalize, layer-norm-grad, forest, attention, got 'fft'\n/);
  });
});
