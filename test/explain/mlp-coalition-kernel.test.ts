import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError } from '../../src/errors.js';
import { shapleyValues } from '../../src/explain/index.js';
import { Random } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';
import { batched, f32, mlpArb, naiveMlpScore, normalRows, reluModel } from './helpers.js';

const SEED = { seed: 7 };

// Runs on both backends: on wasm it checks the SIMD kernel, on js the plain-JS path that mirrors it.
describe('shapleyValues (SIMD kernel for ReLU autoencoders)', () => {
  it('matches the generic path with a naive forward pass on random ReLU MLPs', () => {
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

  it('agrees with the float64 JavaScript path on a W1-shaped model', () => {
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

  it('matches the JS path where chunking is unusual: 1 mask per chunk, 14 features, uneven rows', () => {
    const cases = [
      { widths: [6, 5, 6], m: 6, rows: 1025 }, // 1,025 background rows: one mask per chunk
      { widths: [16, 3, 7, 16], m: 14, rows: 5 }, // 16,384 masks
      { widths: [10, 9, 10], m: 9, rows: 13 }, // rows not a multiple of 4, many chunks
    ];
    for (const [i, { widths, m, rows }] of cases.entries()) {
      const d = widths[0]!;
      const model = reluModel(widths, null, 20 + i);
      const features = Array.from({ length: m }, (_, j) => d - 1 - j);
      const background = { data: normalRows(rows, d, 30 + i), rows };
      const x = normalRows(1, d, 40 + i);
      const simd = shapleyValues(model, x, background, { features, threads: 1 });
      const js = shapleyValues(model, x, background, { features, simd: false });
      const scale = Math.max(...Array.from(js.phi, Math.abs));
      expect(simd.phi).toBeAllclose(js.phi, { rtol: 1e-5, atol: 1e-6 * scale });
      expect(simd.baseValue).toBeAllclose(js.baseValue, { rtol: 1e-6 });
    }
  });

  it('keeps the base value independent of x and matches float64 for rows far outside the background', () => {
    // v(empty) takes every attributed feature from the background, so it must not move with x
    const model = reluModel([16, 8, 4, 8, 16], Array.from({ length: 12 }, (_, j) => j), 31);
    const background = { data: normalRows(40, 16, 32), rows: 40 };
    const reference = shapleyValues(model, normalRows(1, 16, 33), background, { simd: false }).baseValue;
    for (const big of [3, 50, 1e3, 1e6, 1e8]) {
      const x = normalRows(1, 16, 33);
      x[5] = big;
      const simd = shapleyValues(model, x, background, { threads: 1 });
      const js = shapleyValues(model, x, background, { simd: false });
      expect(simd.baseValue).toBeAllclose(reference, { rtol: 1e-6, atol: 0 });
      expect(simd.phi).toBeAllclose(js.phi, { rtol: 1e-5, atol: 1e-6 * Math.max(...Array.from(js.phi, Math.abs)) });
    }
  });

  it('throws DataError for a NaN weight, and falls back to float64 when float32 sums overflow', () => {
    const model = reluModel([5, 3, 5], null, 8);
    const x = normalRows(1, 5, 9);
    const background = { data: normalRows(4, 5, 10), rows: 4 };
    const bad = { ...model, layers: [{ ...model.layers[0]!, weight: Float32Array.from(model.layers[0]!.weight, (v, i) => (i === 4 ? NaN : v)) }, model.layers[1]!] };
    expectError(() => shapleyValues(bad, x, background), DataError, /^shapleyValues: layers\[0\]\.weight\[4\] must be finite, got NaN$/);
    // weights of 1e19 make squared errors ~1e38+ : beyond float32, fine in float64
    const huge = { ...model, layers: model.layers.map((l) => ({ weight: Float32Array.from(l.weight, (v) => v * 1e19), bias: l.bias })) };
    const simd = shapleyValues(huge, x, background, { simd: true });
    const js = shapleyValues(huge, x, background, { simd: false });
    expect(Number.isFinite(simd.value)).toBe(true);
    expect(Array.from(simd.phi)).toEqual(Array.from(js.phi));
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
