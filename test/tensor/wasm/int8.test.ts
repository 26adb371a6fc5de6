/** The int8 WebAssembly layer against exact integer arithmetic: bit-identical float32 outputs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/tensor/index.js';
import { int8Weights, wasmQuantizedLinear } from '../../../src/tensor/wasm/int8.js';
import { wasmUnavailableReason } from '../../../src/tensor/wasm/kernels.js';
import { backend, kernelBuffer, setBackend } from '../../../src/tensor/index.js';

const f32 = Math.fround;

describe.runIf(wasmUnavailableReason() === null)('wasmQuantizedLinear', () => {
  it('equals f32(f32(int32 sum) * scale) + bias for int8/uint8 inputs, any k, scalar or per-column zero points', () => {
    const initial = backend();
    setBackend('wasm');
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 11 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1e6 }),
      (rows, k, n, signedA, perColumn, seed) => {
        const rng = new Random(seed);
        const a = signedA ? Int8Array.from({ length: rows * k }, () => rng.int(-128, 128)) : Uint8Array.from({ length: rows * k }, () => rng.int(0, 256));
        const b = Int8Array.from({ length: k * n }, () => rng.int(-128, 128));
        const bzp = perColumn ? Int8Array.from({ length: n }, () => rng.int(-128, 128)) : Int8Array.of(rng.int(-128, 128));
        const az = signedA ? rng.int(-128, 128) : rng.int(0, 256);
        const scale = rng.uniformFill(kernelBuffer(n), 1e-4, 1e-2);
        const bias = rng.uniformFill(kernelBuffer(n), -1, 1);
        const owner = {};
        const w = int8Weights(owner, b, bzp, k, n)!;
        const y = kernelBuffer(rows * n);
        expect(wasmQuantizedLinear(w, { a, rows, az, scale, bias, y })).toBe(true);
        const want = new Float32Array(rows * n);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += (a[i * k + p]! - az) * (b[p * n + j]! - bzp[perColumn ? j : 0]!);
            want[i * n + j] = f32(f32(s | 0) * scale[j]!) + bias[j]!;
          }
        }
        expect(Array.from(y)).toEqual(Array.from(want));
      },
    ), { seed: 9, numRuns: 80 });
    setBackend(initial);
  });
});
