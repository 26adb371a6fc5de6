import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shapleyValues } from '../../src/explain/index.js';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { batched, f32, mlpArb, naiveMlpScore, naiveValues, permutationShapley, type RowScore } from './helpers.js';
import { expectError } from '../tensor/expect-error.js';

const SEED = { seed: 42 };

/** A smooth non-additive score with interactions between every pair of columns. */
function interactionScore(coef: readonly number[], d: number): RowScore {
  return (z) => {
    let s = 0;
    for (let i = 0; i < d; i++) {
      s += coef[i]! * z[i]! * z[i]!;
      for (let j = i + 1; j < d; j++) s += coef[(i * d + j) % coef.length]! * Math.tanh(z[i]! * z[j]!);
    }
    return s;
  };
}

const rowsArb = (d: number, minRows: number, maxRows: number) =>
  fc.integer({ min: minRows, max: maxRows }).chain((rows) => fc.record({ rows: fc.constant(rows), data: fc.array(f32, { minLength: rows * d, maxLength: rows * d }) }));

describe('shapleyValues (generic score function, exact)', () => {
  it('equals the average marginal contribution over all orderings (M <= 6)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((m) =>
          fc.record({
            m: fc.constant(m),
            extra: fc.integer({ min: 0, max: 2 }),
            coef: fc.array(f32, { minLength: 8, maxLength: 8 }),
            x: fc.array(f32, { minLength: m + 2, maxLength: m + 2 }),
            bg: rowsArb(m + 2, 1, 5),
            dup: fc.boolean(),
          }),
        ),
        ({ m, extra, coef, x, bg, dup }) => {
          const d = m + extra;
          const xs = Float32Array.from(x.slice(0, d));
          let rows = bg.rows;
          let data = Float32Array.from(bg.data.slice(0, rows * (m + 2))).filter((_, i) => i % (m + 2) < d);
          if (dup) {
            // repeated background rows must count with their multiplicity
            data = Float32Array.from([...data, ...data.subarray(0, d)]);
            rows += 1;
          }
          const features = Array.from({ length: m }, (_, i) => (i * 7 + extra) % d).filter((v, i, a) => a.indexOf(v) === i);
          const f = interactionScore(coef, d);
          const got = shapleyValues(batched(f, d), xs, { data, rows }, { features, batchSize: 3 });
          const v = naiveValues(f, xs, data, rows, features);
          expect(got.exact).toBe(true);
          expect(got.features).toEqual(features);
          expect(got.phi).toBeAllclose(permutationShapley(v, features.length), { rtol: 1e-9, atol: 1e-9 });
          expect(got.baseValue).toBeAllclose(v[0]!, { rtol: 1e-12, atol: 1e-12 });
          expect(got.value).toBeAllclose(f(xs), { rtol: 1e-12, atol: 1e-12 });
        },
      ),
      { ...SEED, numRuns: 60 },
    );
  });

  it('is efficient: sum(phi) = f(x) - mean f(background)', () => {
    fc.assert(
      fc.property(fc.array(f32, { minLength: 36, maxLength: 36 }), fc.array(f32, { minLength: 9, maxLength: 9 }), rowsArb(9, 1, 6), (coef, x, bg) => {
        const f = interactionScore(coef, 9);
        const xs = Float32Array.from(x);
        const data = Float32Array.from(bg.data);
        const got = shapleyValues(batched(f, 9), xs, { data, rows: bg.rows });
        let meanBg = 0;
        for (let r = 0; r < bg.rows; r++) meanBg += f(data.subarray(r * 9, (r + 1) * 9)) / bg.rows;
        const sum = got.phi.reduce((a, b) => a + b, 0);
        const want = f(xs) - meanBg;
        expect(Math.abs(sum - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
      }),
      { ...SEED, numRuns: 25 },
    );
  });

  it('gives equal values to symmetric features and swaps values when the features are swapped', () => {
    fc.assert(
      fc.property(fc.array(f32, { minLength: 5, maxLength: 5 }), rowsArb(5, 1, 4), fc.array(f32, { minLength: 6, maxLength: 6 }), (x, bg, coef) => {
        // f is symmetric in columns 1 and 3
        const f: RowScore = (z) => coef[0]! * Math.tanh(z[1]! * z[3]!) + coef[1]! * (z[1]! + z[3]!) ** 2 + coef[2]! * z[0]! * z[4]! + coef[3]! * z[2]! * (z[1]! + z[3]!);
        const swap = (a: Float32Array): Float32Array => {
          const o = Float32Array.from(a);
          for (let r = 0; r < a.length / 5; r++) [o[r * 5 + 1], o[r * 5 + 3]] = [a[r * 5 + 3]!, a[r * 5 + 1]!];
          return o;
        };
        const data = Float32Array.from(bg.data);
        // a background closed under the swap, and x_1 = x_3: phi_1 = phi_3
        const sym = Float32Array.from([...data, ...swap(data)]);
        const xs = Float32Array.from(x);
        xs[3] = xs[1]!;
        const a = shapleyValues(batched(f, 5), xs, { data: sym, rows: 2 * bg.rows });
        expect(a.phi[1]).toBeAllclose(a.phi[3]!, { rtol: 1e-9, atol: 1e-12 });
        // a general f and x: swapping columns 1 and 3 everywhere swaps phi_1 and phi_3
        const g: RowScore = (z) => coef[4]! * z[1]! * z[1]! * z[3]! + coef[5]! * Math.tanh(z[3]! - z[0]!) + f(z);
        const gSwapped: RowScore = (z) => g(swap(z));
        const xg = Float32Array.from(x);
        const p = shapleyValues(batched(g, 5), xg, { data, rows: bg.rows }).phi;
        const q = shapleyValues(batched(gSwapped, 5), swap(xg), { data: swap(data), rows: bg.rows }).phi;
        expect([q[0], q[1], q[2], q[3], q[4]]).toBeAllclose([p[0], p[3], p[2], p[1], p[4]], { rtol: 1e-9, atol: 1e-12 });
      }),
      { ...SEED, numRuns: 30 },
    );
  });

  it('gives 0 to a feature the score ignores', () => {
    fc.assert(
      fc.property(fc.array(f32, { minLength: 21, maxLength: 21 }), fc.array(f32, { minLength: 6, maxLength: 6 }), rowsArb(6, 1, 5), (coef, x, bg) => {
        const f0 = interactionScore(coef, 6);
        const f: RowScore = (z) => {
          const c = Float32Array.from(z);
          c[2] = 0.5; // column 2 never reaches the score
          return f0(c);
        };
        const got = shapleyValues(batched(f, 6), Float32Array.from(x), { data: Float32Array.from(bg.data), rows: bg.rows });
        expect(Math.abs(got.phi[2]!)).toBeLessThanOrEqual(1e-12);
      }),
      { ...SEED, numRuns: 30 },
    );
  });

  it('equals w_i (x_i - mean_i(background)) for a linear score', () => {
    fc.assert(
      fc.property(fc.array(f32, { minLength: 8, maxLength: 8 }), f32, fc.array(f32, { minLength: 8, maxLength: 8 }), rowsArb(8, 1, 7), (w, c, x, bg) => {
        const f: RowScore = (z) => w.reduce((s, wi, i) => s + wi * z[i]!, c);
        const got = shapleyValues(batched(f, 8), Float32Array.from(x), { data: Float32Array.from(bg.data), rows: bg.rows });
        const want = w.map((wi, i) => {
          let mean = 0;
          for (let r = 0; r < bg.rows; r++) mean += bg.data[r * 8 + i]! / bg.rows;
          return wi * (x[i]! - mean);
        });
        expect(got.phi).toBeAllclose(want, { rtol: 1e-9, atol: 1e-12 });
      }),
      { ...SEED, numRuns: 30 },
    );
  });
});

describe('shapleyValues (MLP autoencoder fast path)', () => {
  it('equals the generic path with a naive forward pass on random small MLPs', () => {
    const d = 7;
    fc.assert(
      fc.property(
        mlpArb(d),
        fc.array(f32, { minLength: d, maxLength: d }),
        rowsArb(d, 1, 6),
        fc.uniqueArray(fc.integer({ min: 0, max: d - 1 }), { minLength: 1, maxLength: d }),
        fc.integer({ min: 1, max: 50 }),
        (model, x, bg, features, batchSize) => {
          const xs = Float32Array.from(x);
          const background = { data: Float32Array.from(bg.data), rows: bg.rows };
          const fast = shapleyValues(model, xs, background, { features, batchSize });
          const generic = shapleyValues(batched(naiveMlpScore(model), d), xs, background, { features });
          const scale = Math.max(1e-3, Math.abs(generic.value), Math.abs(generic.baseValue));
          expect(fast.exact).toBe(true);
          expect(fast.phi).toBeAllclose(generic.phi, { rtol: 1e-4, atol: 1e-5 * scale });
          expect(fast.value).toBeAllclose(generic.value, { rtol: 1e-5, atol: 1e-6 * scale });
          expect(fast.baseValue).toBeAllclose(generic.baseValue, { rtol: 1e-5, atol: 1e-6 * scale });
        },
      ),
      { ...SEED, numRuns: 80 },
    );
  });

  it("attributes the model's active features by default", () => {
    const model = { kind: 'mlp-autoencoder' as const, activation: 'relu' as const, activeFeatures: [0, 2], layers: [
      { weight: Float32Array.from([1, 0, 1, 0, 1, 1]), bias: new Float32Array(2) },
      { weight: Float32Array.from([1, 0, 0, 1, 1, 1]), bias: new Float32Array(3) },
    ] };
    const got = shapleyValues(model, Float32Array.from([1, 2, 3]), { data: new Float32Array(3), rows: 1 });
    expect(got.features).toEqual([0, 2]);
    // By hand: a = relu([h0+h2, h1+h2]), y = [a0, a1, a0+a1], f = ((y0-h0)^2 + (y2-h2)^2) / 2, zero background.
    // v(∅) = f(0,2,0) = (0 + 4)/2 = 2; v({0}) = f(1,2,0) = (0 + 9)/2 = 4.5;
    // v({2}) = f(0,2,3) = (9 + 25)/2 = 17; v({0,2}) = f(1,2,3) = (9 + 36)/2 = 22.5
    expect(Array.from(got.phi)).toBeAllclose([(4.5 - 2 + 22.5 - 17) / 2, (17 - 2 + 22.5 - 4.5) / 2], { rtol: 1e-6 });
    expect(got.value).toBeAllclose(22.5, { rtol: 1e-6 });
    expect(got.baseValue).toBeAllclose(2, { rtol: 1e-6 });
  });
});

describe('shapleyValues (KernelSHAP fallback)', () => {
  it('recovers w_i (x_i - mean_i) of a 20-feature linear score and is exactly efficient', () => {
    fc.assert(
      fc.property(fc.array(f32, { minLength: 20, maxLength: 20 }), fc.array(f32, { minLength: 20, maxLength: 20 }), rowsArb(20, 2, 8), fc.nat(1000), (w, x, bg, seed) => {
        const f: RowScore = (z) => w.reduce((s, wi, i) => s + wi * z[i]!, 0.25);
        const data = Float32Array.from(bg.data);
        const got = shapleyValues(batched(f, 20), Float32Array.from(x), { data, rows: bg.rows }, { kernelSamples: 400, seed });
        expect(got.exact).toBe(false);
        expect(got.samples).toBe(400);
        const want = w.map((wi, i) => {
          let mean = 0;
          for (let r = 0; r < bg.rows; r++) mean += data[r * 20 + i]! / bg.rows;
          return wi * (x[i]! - mean);
        });
        expect(got.phi).toBeAllclose(want, { rtol: 1e-6, atol: 1e-6 });
        const sum = got.phi.reduce((a, b) => a + b, 0);
        expect(sum).toBeAllclose(got.value - got.baseValue, { rtol: 1e-12, atol: 1e-12 });
      }),
      { ...SEED, numRuns: 10 },
    );
  });

  it('stays exactly efficient and close to the exact values on a non-linear score', () => {
    const d = 10;
    const coef = Array.from({ length: 55 }, (_, i) => Math.fround(Math.sin(i + 1)));
    const f = interactionScore(coef, d);
    const x = Float32Array.from({ length: d }, (_, i) => Math.fround(Math.cos(3 * i)));
    const data = Float32Array.from({ length: 4 * d }, (_, i) => Math.fround(Math.sin(7 * i) * 0.8));
    const exact = shapleyValues(batched(f, d), x, { data, rows: 4 });
    const approx = shapleyValues(batched(f, d), x, { data, rows: 4 }, { maxExactFeatures: 4, kernelSamples: 4096 });
    expect(approx.exact).toBe(false);
    expect(approx.phi.reduce((a, b) => a + b, 0)).toBeAllclose(exact.value - exact.baseValue, { rtol: 1e-10 });
    let norm = 0;
    for (const p of exact.phi) norm = Math.max(norm, Math.abs(p));
    expect(approx.phi).toBeAllclose(exact.phi, { rtol: 0, atol: 0.1 * norm });
  });
});

describe('shapleyValues errors', () => {
  const f = batched((z) => z[0]!, 3);
  const x = Float32Array.from([1, 2, 3]);
  const bg = { data: new Float32Array(6), rows: 2 };
  const model = { kind: 'mlp-autoencoder' as const, activation: 'relu' as const, activeFeatures: null, layers: [
    { weight: new Float32Array(8), bias: new Float32Array(2) },
    { weight: new Float32Array(8), bias: new Float32Array(4) },
  ] };

  it('throws ShapeError for a background whose width does not match x', () => {
    expectError(() => shapleyValues(f, x, { data: new Float32Array(8), rows: 2 }), ShapeError, /^shapleyValues: background must be \[2, 3\] \(6 values\) to match x, got 8 values$/);
  });
  it("throws ShapeError when x does not have the model's width", () => {
    expectError(() => shapleyValues(model, x, bg), ShapeError, /^shapleyValues: x must have the model's width 4, got 3$/);
  });
  it('throws ShapeError for layers that do not chain', () => {
    const bad = { ...model, layers: [model.layers[0]!, { weight: new Float32Array(6), bias: new Float32Array(4) }] };
    expectError(() => shapleyValues(bad, new Float32Array(4), { data: new Float32Array(4), rows: 1 }), ShapeError, /^shapleyValues: layers\[1\]\.weight must be \[4, 2\], got 6 values$/);
  });
  it('throws DataError for an empty background', () => {
    expectError(() => shapleyValues(f, x, { data: new Float32Array(0), rows: 0 }), DataError, /^shapleyValues: background must hold at least one row, got 0$/);
  });
  it('throws DataError for NaN in x or the background, and for a non-finite score', () => {
    expectError(() => shapleyValues(f, Float32Array.from([1, NaN, 3]), bg), DataError, /^shapleyValues: x column 1 must be finite, got NaN$/);
    expectError(() => shapleyValues(f, x, { data: Float32Array.from([0, 0, 0, 0, Infinity, 0]), rows: 2 }), DataError, /^shapleyValues: background row 1, column 1 must be finite, got Infinity$/);
    const nanScore = batched(() => NaN, 3);
    expectError(() => shapleyValues(nanScore, x, bg), DataError, /^shapleyValues: score function must return finite scores, got NaN$/);
  });
  it('throws InvalidOptionError for bad features and options', () => {
    const cases: [object, RegExp][] = [
      [{ features: [0, 3] }, /^shapleyValues: features must be distinct integers in \[0, 3\), got 3 in \[0, 3\]$/],
      [{ features: [1, 1] }, /^shapleyValues: features must be distinct integers in \[0, 3\), got 1 in \[1, 1\]$/],
      [{ features: [] }, /^shapleyValues: features must not be empty, got \[\]$/],
      [{ batchSize: 0 }, /^shapleyValues: batchSize must be an integer >= 1, got 0$/],
      [{ maxExactFeatures: 21 }, /^shapleyValues: maxExactFeatures must be an integer in \[1, 20\], got 21$/],
      [{ maxExactFeatures: 1, kernelSamples: 5 }, /^shapleyValues: kernelSamples must be an integer >= 6, got 5$/],
    ];
    for (const [options, pattern] of cases) {
      expectError(() => shapleyValues(f, x, bg, options), InvalidOptionError, pattern);
    }
  });
  it('throws InvalidOptionError for a model of another kind', () => {
    const other = { kind: 'random-forest' } as unknown as typeof model;
    expectError(() => shapleyValues(other, x, bg), InvalidOptionError, /^shapleyValues: model must be a score function or kind 'mlp-autoencoder', 'isolation-forest' or 'weighted-sum', got kind 'random-forest'$/);
  });
});
