import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { shapleyValues, type MlpAutoencoderModel } from '../../src/explain/index.js';
import { allKernelThreads } from '../../src/explain/kernel-threads.js';
import { wasmSimdAvailable } from '../../src/explain/mlp-coalition-kernel.js';
import { Random } from '../../src/tensor/index.js';
import { batched, f32, mlpArb, naiveMlpScore } from './helpers.js';
import { expectError } from '../tensor/expect-error.js';

const SEED = { seed: 7 };

/** A ReLU autoencoder of the given widths with U(-1/sqrt(fan_in), +) weights. */
function reluModel(widths: readonly number[], active: number[] | null, seed: number): MlpAutoencoderModel {
  const rng = new Random(seed);
  const layers = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const bound = 1 / Math.sqrt(widths[l]!);
    layers.push({
      weight: rng.uniformFill(new Float32Array(widths[l + 1]! * widths[l]!), -bound, bound),
      bias: rng.uniformFill(new Float32Array(widths[l + 1]!), -bound, bound),
    });
  }
  return { kind: 'mlp-autoencoder', layers, activation: 'relu', activeFeatures: active };
}

function normalRows(rows: number, d: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: rows * d }, () => rng.normal(0, 1));
}

describe('shapleyValues (SIMD kernel for ReLU autoencoders)', () => {
  it.runIf(wasmSimdAvailable())('matches the generic path with a naive forward pass on random ReLU MLPs', () => {
    const d = 7;
    fc.assert(
      fc.property(
        mlpArb(d).map((m) => ({ ...m, activation: 'relu' as const })),
        fc.array(f32, { minLength: d, maxLength: d }),
        fc.integer({ min: 1, max: 9 }).chain((rows) => fc.record({ rows: fc.constant(rows), data: fc.array(f32, { minLength: rows * d, maxLength: rows * d }) })),
        fc.uniqueArray(fc.integer({ min: 0, max: d - 1 }), { minLength: 1, maxLength: d }),
        (model, x, bg, features) => {
          const xs = Float32Array.from(x);
          const background = { data: Float32Array.from(bg.data), rows: bg.rows };
          const simd = shapleyValues(model, xs, background, { features, simd: true });
          const naive = shapleyValues(batched(naiveMlpScore(model), d), xs, background, { features });
          const scale = Math.max(1e-3, Math.abs(naive.value), Math.abs(naive.baseValue));
          // float32 sums over at most 6 units and 7 outputs: a few float32 ulps of the score's scale
          expect(simd.phi).toBeAllclose(naive.phi, { rtol: 1e-4, atol: 1e-5 * scale });
          expect(simd.value).toBeAllclose(naive.value, { rtol: 1e-5, atol: 1e-6 * scale });
          expect(simd.baseValue).toBeAllclose(naive.baseValue, { rtol: 1e-5, atol: 1e-6 * scale });
          expect(simd.phi.reduce((a, b) => a + b, 0)).toBeAllclose(simd.value - simd.baseValue, { rtol: 1e-9, atol: 1e-12 });
        },
      ),
      { ...SEED, numRuns: 60 },
    );
  });

  it.runIf(wasmSimdAvailable())('agrees with the float64 JavaScript path on a W1-shaped model', () => {
    const model = reluModel([64, 32, 8, 32, 64], Array.from({ length: 12 }, (_, j) => j), 3);
    const bg = new Float32Array(37 * 64);
    const rng = new Random(4);
    for (let r = 0; r < 37; r++) for (let j = 0; j < 12; j++) bg[r * 64 + j] = rng.normal(0, 1);
    const x = new Float32Array(64);
    for (let j = 0; j < 12; j++) x[j] = rng.normal(0, 2);
    const simd = shapleyValues(model, x, { data: bg, rows: 37 }, { simd: true, threads: 1 });
    const js = shapleyValues(model, x, { data: bg, rows: 37 }, { simd: false });
    const scale = Math.max(Math.abs(js.value), Math.abs(js.baseValue));
    expect(simd.phi).toBeAllclose(js.phi, { rtol: 1e-5, atol: 1e-6 * scale });
    expect(simd.value).toBeAllclose(js.value, { rtol: 1e-6 });
  });

  it.runIf(wasmSimdAvailable())('gives bit-identical values on 1 and 3 threads, with worker threads started', () => {
    // 2^12 masks x 48 background rows = 196,608 hybrid rows: enough work for three threads
    const d = 16;
    const model = reluModel([d, 9, 5, d], [0, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15], 11);
    const features = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const background = { data: normalRows(48, d, 12), rows: 48 };
    const x = normalRows(1, d, 13);
    const one = shapleyValues(model, x, background, { features, threads: 1 });
    const three = shapleyValues(model, x, background, { features, threads: 3 });
    expect(allKernelThreads().length).toBeGreaterThanOrEqual(2);
    expect(Array.from(three.phi)).toEqual(Array.from(one.phi));
    expect(three.baseValue).toBe(one.baseValue);
    const naive = shapleyValues(batched(naiveMlpScore(model), d), x, background, { features });
    expect(three.phi).toBeAllclose(naive.phi, { rtol: 1e-4, atol: 1e-5 * Math.abs(naive.value) });
  });

  it('keeps tanh and GELU models on the JavaScript path', () => {
    const relu = reluModel([6, 4, 6], null, 5);
    const x = normalRows(1, 6, 6);
    const background = { data: normalRows(5, 6, 7), rows: 5 };
    for (const activation of ['tanh', 'gelu'] as const) {
      const model = { ...relu, activation };
      const a = shapleyValues(model, x, background, { simd: true });
      const b = shapleyValues(model, x, background, { simd: false });
      expect(Array.from(a.phi)).toEqual(Array.from(b.phi));
    }
  });

  it('throws InvalidOptionError for a thread count below 1', () => {
    const model = reluModel([4, 2, 4], null, 1);
    const call = () => shapleyValues(model, new Float32Array(4), { data: new Float32Array(4), rows: 1 }, { threads: 0 });
    expectError(call, InvalidOptionError, /^shapleyValues: threads must be an integer in \[1, 256\], got 0$/);
  });
});
