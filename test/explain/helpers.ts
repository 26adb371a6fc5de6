/** Independent naive references for the explain tests: an MLP forward, coalition values, permutation Shapley. */
import fc from 'fast-check';
import type { MlpAutoencoderModel, MlpActivation } from '../../src/explain/index.js';
import { Random, erfScalar } from '../../src/tensor/index.js';

/** A scalar score of one row. */
export type RowScore = (row: Float32Array) => number;

/** Wraps a row score as the library's batched ScoreFn. */
export function batched(f: RowScore, d: number) {
  return (rows: Float32Array, n: number): Float64Array => {
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) out[r] = f(rows.subarray(r * d, (r + 1) * d));
    return out;
  };
}

function act(v: number, a: MlpActivation): number {
  if (a === 'relu') return Math.max(0, v);
  if (a === 'tanh') return Math.tanh(v);
  return 0.5 * v * (1 + erfScalar(v / Math.SQRT2));
}

/** Mean squared reconstruction error over the active columns, written out layer by layer. */
export function naiveMlpScore(model: MlpAutoencoderModel): RowScore {
  return (row) => {
    let h = Array.from(row);
    model.layers.forEach((layer, l) => {
      const inW = h.length;
      const next: number[] = [];
      for (let o = 0; o < layer.bias.length; o++) {
        let s = layer.bias[o]!;
        for (let k = 0; k < inW; k++) s += layer.weight[o * inW + k]! * h[k]!;
        next.push(l + 1 < model.layers.length ? act(s, model.activation) : s);
      }
      h = next;
    });
    const active = model.activeFeatures ?? h.map((_, j) => j);
    let s = 0;
    for (const j of active) s += (h[j]! - row[j]!) ** 2;
    return s / active.length;
  };
}

/** v(S) for every mask over `features`, by building each hybrid row and scoring it. */
export function naiveValues(f: RowScore, x: Float32Array, bg: Float32Array, rows: number, features: readonly number[]): number[] {
  const d = x.length;
  const v: number[] = [];
  for (let mask = 0; mask < 2 ** features.length; mask++) {
    let s = 0;
    for (let b = 0; b < rows; b++) {
      const h = Float32Array.from(x);
      features.forEach((col, i) => {
        if (((mask >> i) & 1) === 0) h[col] = bg[b * d + col]!;
      });
      s += f(h);
    }
    v.push(s / rows);
  }
  return v;
}

/** Shapley values as the average marginal contribution over all M! orderings. */
export function permutationShapley(v: readonly number[], m: number): number[] {
  const phi = new Array<number>(m).fill(0);
  let count = 0;
  const perm = Array.from({ length: m }, (_, i) => i);
  const visit = (k: number): void => {
    if (k === m) {
      let mask = 0;
      for (const i of perm) {
        phi[i]! += v[mask | (1 << i)]! - v[mask]!;
        mask |= 1 << i;
      }
      count++;
      return;
    }
    for (let j = k; j < m; j++) {
      [perm[k], perm[j]] = [perm[j]!, perm[k]!];
      visit(k + 1);
      [perm[k], perm[j]] = [perm[j]!, perm[k]!];
    }
  };
  visit(0);
  return phi.map((p) => p / count);
}

/** float32-exact values in [-2, 2]. */
export const f32 = fc.double({ min: -2, max: 2, noNaN: true }).map(Math.fround);

/** An arbitrary MLP autoencoder of width d (1-3 hidden layers of 1-6 units). */
export function mlpArb(d: number): fc.Arbitrary<MlpAutoencoderModel> {
  return fc
    .record({
      hidden: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
      activation: fc.constantFrom<MlpActivation>('relu', 'tanh', 'gelu'),
      active: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: d - 1 }), { minLength: 1, maxLength: d }), { nil: null }),
      seedValues: fc.array(f32, { minLength: 400, maxLength: 400 }),
    })
    .map(({ hidden, activation, active, seedValues }) => {
      const widths = [d, ...hidden, d];
      let p = 0;
      const take = (n: number): Float32Array => {
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = seedValues[p++ % seedValues.length]! * 0.7;
        return a;
      };
      const layers = [];
      for (let l = 0; l + 1 < widths.length; l++) layers.push({ weight: take(widths[l + 1]! * widths[l]!), bias: take(widths[l + 1]!) });
      return { kind: 'mlp-autoencoder' as const, layers, activation, activeFeatures: active };
    });
}

/** A ReLU autoencoder of the given widths with U(-1/sqrt(fan_in), +) weights. */
export function reluModel(widths: readonly number[], active: number[] | null, seed: number): MlpAutoencoderModel {
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

export function normalRows(rows: number, d: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: rows * d }, () => rng.normal(0, 1));
}
