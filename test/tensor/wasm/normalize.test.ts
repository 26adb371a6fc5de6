/** LayerNorm and softmax on the WebAssembly backend against their JS twins. */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Random, Tensor, backend, layerNormWithStats, setBackend, softmax } from '../../../src/tensor/index.js';
import { wasmUnavailableReason } from '../../../src/tensor/wasm/kernels.js';
import { underBoth } from './backends.js';

const initial = backend();
afterAll(() => setBackend(initial));


describe.runIf(wasmUnavailableReason() === null)('row normalizations, wasm against js', () => {
  it('layerNormWithStats agrees to float32 rounding, with and without the affine parts', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 4, max: 70 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (rows, n, affine, seed) => {
      const rng = new Random(seed);
      const x = new Tensor(rng.uniformFill(new Float32Array(rows * n), -3, 5), [rows, n]);
      const weight = affine ? new Tensor(rng.uniformFill(new Float32Array(n), 0.5, 2), [n]) : undefined;
      const bias = affine ? new Tensor(rng.uniformFill(new Float32Array(n), -1, 1), [n]) : undefined;
      const [js, wasm] = underBoth(() => layerNormWithStats(x, { weight, bias, eps: 1e-5 }));
      expect(wasm.out.data).toBeAllclose(js.out.data, { rtol: 1e-5, atol: 2e-5 });
      expect(wasm.mean).toBeAllclose(js.mean, { rtol: 1e-5, atol: 1e-6 });
      expect(wasm.rstd).toBeAllclose(js.rstd, { rtol: 1e-5 });
    }), { seed: 11, numRuns: 50 });
  });

  // x - max is a float32 difference here (float64 in JS): its rounding, up to ulp(60) / 2 = 2e-6,
  // moves exp's result by that much relatively, as in PyTorch's float32 softmax.
  it('softmax agrees within 1e-5 relative for inputs within 60 of the row max, and gives exactly 0 at -Infinity', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 4, max: 70 }), fc.integer({ min: 0, max: 1e6 }), (rows, n, seed) => {
      const data = new Random(seed).uniformFill(new Float32Array(rows * n), -30, 30);
      data[n - 1] = -Infinity;
      const x = new Tensor(data, [rows, n]);
      const [js, wasm] = underBoth(() => softmax(x, -1));
      expect(wasm.data).toBeAllclose(js.data, { rtol: 1e-5, atol: 1e-30 });
      expect(Object.is(wasm.data[n - 1], 0)).toBe(true);
    }), { seed: 12, numRuns: 50 });
  });
});
