/**
 * The fused transformer's attention and LayerNorm backward on the WebAssembly backend
 * (tensor/wasm/attention-kernel.ts, layer-norm-grad-kernel.ts) against their JS twins
 * (nn/fused-attention.ts, autograd's layerNormGradInto): block sizes with and without a lane tail,
 * causal or not, operands in the kernel heap or copied in.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { layerNormGradInto } from '../../src/autograd/index.js';
import { attentionBackward, attentionForward, type AttentionDims } from '../../src/nn/fused-attention.js';
import { Random, backend, kernelBuffer, setBackend } from '../../src/tensor/index.js';
import { wasmUnavailableReason } from '../../src/tensor/wasm/kernels.js';
import { underBoth } from '../tensor/wasm/backends.js';

const initial = backend();
afterAll(() => setBackend(initial));

/** Forward then backward of one attention call; fresh output buffers (heap or plain) each run. */
function attention(dims: AttentionDims, qkv: Float32Array, dCat: Float32Array, heap: boolean): { cat: Float32Array; probs: Float32Array; dQkv: Float32Array } {
  const rows = dims.batch * dims.len, d = dims.dModel;
  const buf = (n: number): Float32Array => (heap ? kernelBuffer(n) : new Float32Array(n));
  const q = buf(rows * 3 * d);
  q.set(qkv);
  const cat = buf(rows * d), probs = buf(dims.batch * dims.heads * dims.len * dims.len), dQkv = buf(rows * 3 * d).fill(NaN);
  attentionForward(q, cat, probs, dims);
  attentionBackward(q, probs, dCat, dQkv, new Float64Array(dims.len * dims.len), dims);
  return { cat: cat.slice(), probs: probs.slice(), dQkv: dQkv.slice() };
}

describe.runIf(wasmUnavailableReason() === null)('attention blocks, wasm against js', () => {
  it('forward probabilities, outputs and the q/k/v gradients agree to float32 rounding', () => {
    const shapes = fc.record({
      batch: fc.integer({ min: 1, max: 3 }), len: fc.integer({ min: 1, max: 17 }),
      heads: fc.integer({ min: 1, max: 3 }), dh: fc.constantFrom(4, 8, 16), causal: fc.boolean(), heap: fc.boolean(),
    });
    fc.assert(fc.property(shapes, fc.integer({ min: 0, max: 1e6 }), (s, seed) => {
      const dims: AttentionDims = { batch: s.batch, len: s.len, dModel: s.heads * s.dh, heads: s.heads, causal: s.causal };
      const rows = s.batch * s.len, d = dims.dModel;
      const rng = new Random(seed);
      const qkv = rng.uniformFill(new Float32Array(rows * 3 * d), -2, 2);
      const dCat = rng.uniformFill(new Float32Array(rows * d), -1, 1);
      const [js, wasm] = underBoth(() => attention(dims, qkv, dCat, s.heap));
      expect(wasm.probs).toBeAllclose(js.probs, { rtol: 1e-5, atol: 1e-6 });
      expect(wasm.cat).toBeAllclose(js.cat, { rtol: 1e-4, atol: 1e-5 });
      expect(wasm.dQkv).toBeAllclose(js.dQkv, { rtol: 1e-4, atol: 1e-5 });
    }), { seed: 21, numRuns: 60 });
  });

  it('a causal block gives probability 0 above the diagonal and a first row of [1, 0, ...]', () => {
    const dims: AttentionDims = { batch: 2, len: 6, dModel: 8, heads: 2, causal: true };
    const qkv = new Random(3).uniformFill(new Float32Array(12 * 24), -2, 2);
    const [, wasm] = underBoth(() => attention(dims, qkv, new Float32Array(12 * 8), true));
    for (let blk = 0; blk < 4; blk++) {
      expect(wasm.probs[blk * 36]).toBe(1);
      for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) expect(wasm.probs[blk * 36 + i * 6 + j]).toBe(0);
    }
  });
});

describe.runIf(wasmUnavailableReason() === null)('layerNormGradInto, wasm against js', () => {
  it('dx, and the weight and bias gradients added to the accumulators, agree to float32 rounding', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 4, max: 37 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (rows, dim, affine, seed) => {
      const rng = new Random(seed);
      const g = rng.uniformFill(new Float32Array(rows * dim), -1, 1);
      const x = rng.uniformFill(new Float32Array(rows * dim), -3, 5);
      const weight = affine ? rng.uniformFill(new Float32Array(dim), 0.5, 2) : undefined;
      const mean = new Float64Array(rows), rstd = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * dim, (r + 1) * dim);
        mean[r] = row.reduce((a, v) => a + v, 0) / dim;
        rstd[r] = 1 / Math.sqrt(row.reduce((a, v) => a + (v - mean[r]!) ** 2, 0) / dim + 1e-5);
      }
      const run = (): { dx: Float32Array; dWeight: Float64Array; dBias: Float64Array } => {
        const out = { dx: new Float32Array(rows * dim), dWeight: new Float64Array(dim).fill(0.5), dBias: new Float64Array(dim).fill(-0.25) };
        layerNormGradInto(g, x, { rows, dim, weight, mean, rstd, ...out });
        return out;
      };
      const [js, wasm] = underBoth(run);
      expect(wasm.dx).toBeAllclose(js.dx, { rtol: 1e-4, atol: 1e-5 });
      expect(wasm.dWeight).toBeAllclose(js.dWeight, { rtol: 1e-5, atol: 1e-5 });
      expect(wasm.dBias).toBeAllclose(js.dBias, { rtol: 1e-5, atol: 1e-5 });
    }), { seed: 22, numRuns: 50 });
  });
});
