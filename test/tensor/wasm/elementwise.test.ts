/** The elementwise WebAssembly kernels against their JS twins (the same tensor functions under the js backend). */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Random, activationGradInPlace, adamUpdate, backend, biasActivation, columnSums, rowSquaredError, setBackend, squaredErrorGrad,
} from '../../../src/tensor/index.js';
import { wasmUnavailableReason } from '../../../src/tensor/wasm/kernels.js';
import { underBoth } from './backends.js';

const initial = backend();
afterAll(() => setBackend(initial));


const rows = fc.integer({ min: 1, max: 9 });
const width = fc.oneof(fc.constantFrom(1, 3, 4, 8, 13, 64), fc.integer({ min: 1, max: 40 }));

describe.runIf(wasmUnavailableReason() === null)('elementwise kernels, wasm against js', () => {
  it('biasActivation adds the bias and applies ReLU bit for bit (NaN -> 0), or adds the bias alone', () => {
    fc.assert(fc.property(rows, width, fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (r, n, relu, seed) => {
      const rng = new Random(seed);
      const z0 = rng.uniformFill(new Float32Array(r * n), -2, 2);
      z0[0] = NaN;
      const bias = rng.uniformFill(new Float32Array(n), -1, 1);
      const [js, wasm] = underBoth(() => {
        const z = z0.slice(), a = new Float32Array(r * n);
        biasActivation(z, a, bias, { rows: r, n, activation: relu ? 'relu' : null });
        return [z, a];
      });
      expect(wasm).toEqual(js);
    }), { seed: 1, numRuns: 60 });
  });

  it('activationGradInPlace zeroes the gradient where the ReLU output is not positive', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 1e6 }), (len, seed) => {
      const rng = new Random(seed);
      const g0 = rng.uniformFill(new Float32Array(len), -1, 1);
      const a = rng.uniformFill(new Float32Array(len), -1, 1).map((v) => Math.max(v, 0));
      const [js, wasm] = underBoth(() => {
        const g = g0.slice();
        activationGradInPlace(g, a, a, len, 'relu');
        return g;
      });
      expect(wasm).toEqual(js);
    }), { seed: 2, numRuns: 40 });
  });

  it('columnSums agrees within float32 summation error', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), width, fc.integer({ min: 0, max: 1e6 }), (r, n, seed) => {
      const m = new Random(seed).uniformFill(new Float32Array(r * n), -1, 1);
      const [js, wasm] = underBoth(() => {
        const out = new Float32Array(n);
        columnSums(m, r, n, out);
        return out;
      });
      expect(wasm).toBeAllclose(js, { rtol: 1e-5, atol: 1e-6 * r });
    }), { seed: 3, numRuns: 40 });
  });

  it('squaredErrorGrad and rowSquaredError agree with and without a column mask', () => {
    fc.assert(fc.property(rows, width, fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (r, d, masked, seed) => {
      const rng = new Random(seed);
      const y = rng.uniformFill(new Float32Array(r * d), -2, 2);
      const x = rng.uniformFill(new Float32Array(r * d), -2, 2);
      const mask = masked ? Uint8Array.from({ length: d }, (_, j) => (j % 3 === 0 ? 1 : 0)) : null;
      const count = mask === null ? d : mask.reduce((s, v) => s + v, 0);
      const [js, wasm] = underBoth(() => {
        const dy = new Float32Array(r * d);
        const sq = squaredErrorGrad(y, x, dy, { rows: r, d, mask, scale: 0.5 });
        const score = new Float32Array(r);
        rowSquaredError(y, x, score, { rows: r, d, mask, count });
        return { dy, sq, score };
      });
      expect(wasm.dy).toBeAllclose(js.dy, { rtol: 1e-6, atol: 1e-7 });
      expect(wasm.sq).toBeCloseTo(js.sq, 4);
      expect(wasm.score).toBeAllclose(js.score, { rtol: 1e-5, atol: 1e-6 });
    }), { seed: 4, numRuns: 60 });
  });

  it('adamUpdate follows the same trajectory over ten steps', () => {
    fc.assert(fc.property(fc.integer({ min: 16, max: 90 }), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), (len, seed, decoupled) => {
      const rng = new Random(seed);
      const w0 = rng.uniformFill(new Float32Array(len), -1, 1);
      const grads = Array.from({ length: 10 }, () => rng.uniformFill(new Float32Array(len), -1, 1));
      const [js, wasm] = underBoth(() => {
        const w = w0.slice(), m = new Float32Array(len), v = new Float32Array(len);
        grads.forEach((g, t) => adamUpdate(w, g, m, v, {
          beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-2 / (1 - 0.9 ** (t + 1)), rootBc2: Math.sqrt(1 - 0.999 ** (t + 1)),
          l2: decoupled ? 0 : 0.01, shrink: decoupled ? 1 - 1e-2 * 0.01 : 1,
        }));
        return { w, m, v };
      });
      expect(wasm.w).toBeAllclose(js.w, { rtol: 1e-5, atol: 1e-6 });
      expect(wasm.m).toBeAllclose(js.m, { rtol: 1e-5, atol: 1e-7 });
      expect(wasm.v).toBeAllclose(js.v, { rtol: 1e-5, atol: 1e-8 });
    }), { seed: 5, numRuns: 30 });
  });
});
