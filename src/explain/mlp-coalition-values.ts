/**
 * The structured fast path for the coalition values of an MLP autoencoder. Three facts cut the
 * work per hybrid row `h(S, b)` (x on S and outside F, b on F\S):
 *  1. The first layer is linear: `W1·h + b1 = (W1·x + b1) + sum_{i not in S} W1[:,f_i] (b_{f_i} - x_{f_i})`.
 *     Walking the masks in Gray-code order changes one term per step, so each hybrid row's first
 *     pre-activation costs one column add (H1 flops) instead of a D x H1 product.
 *  2. The score reads only the active outputs, so the last layer computes just those rows.
 *  3. The middle layers run as batched gemm over all background rows of a chunk of masks.
 * Everything else is the same arithmetic as a forward pass (float32 storage, gemm's float64 sums).
 */
import type { UniqueBackground } from './coalition-values.js';
import { activateInto } from '../tensor/index.js';
import { mlpWidths, type MlpAutoencoderModel } from './score-model.js';

/** Inputs of {@link mlpCoalitionValues}. */
export interface MlpCoalitionInputs {
  model: MlpAutoencoderModel;
  /** `[D]` */
  x: Float32Array;
  background: UniqueBackground;
  backgroundRows: number;
  /** attributed columns, bit i of a mask = features[i] */
  features: Int32Array;
  /** hybrid rows per gemm batch */
  batchSize: number;
}

/**
 * v(S) for all `2^M` masks of an MLP autoencoder with at least two layers (bit i set = features[i]
 * taken from x).
 * @returns `[2^M]` float64
 */
export function mlpCoalitionValues(inputs: MlpCoalitionInputs): Float64Array {
  const { model, x, background, features } = inputs;
  const widths = mlpWidths(model);
  const d = widths[0]!;
  const h1 = widths[1]!;
  const m = features.length;
  const u = background.rows;
  const count = 2 ** m;
  const active = Int32Array.from(model.activeFeatures ?? Array.from({ length: d }, (_, j) => j));
  const nA = active.length;
  const attrIndex = new Int32Array(nA).fill(-1);
  for (let a = 0; a < nA; a++) attrIndex[a] = features.indexOf(active[a]!);
  const last = restrictRows(model.layers[model.layers.length - 1]!, active, widths[widths.length - 2]!);

  // z[u, :] = first pre-activation of the mask-0 hybrid row (every attributed feature from b_u).
  const w0 = model.layers[0]!.weight;
  const z1x = new Float64Array(h1);
  for (let h = 0; h < h1; h++) {
    let s = model.layers[0]!.bias[h]!;
    for (let k = 0; k < d; k++) s += w0[h * d + k]! * x[k]!;
    z1x[h] = s;
  }
  const delta = new Float64Array(u * m * h1);
  const z = new Float64Array(u * h1);
  for (let r = 0; r < u; r++) {
    z.set(z1x, r * h1);
    for (let i = 0; i < m; i++) {
      const f = features[i]!;
      const diff = background.data[r * d + f]! - x[f]!;
      const off = (r * m + i) * h1;
      for (let h = 0; h < h1; h++) {
        delta[off + h] = w0[h * d + f]! * diff;
        z[r * h1 + h] += delta[off + h]!;
      }
    }
  }

  const steps = Math.max(1, Math.min(count, Math.floor(inputs.batchSize / u)));
  const maxRows = steps * u;
  const bufs = widths.slice(1, -1).map((w) => new Float32Array(maxRows * w));
  const out = new Float32Array(maxRows * nA);
  const gray = new Int32Array(steps);
  const values = new Float64Array(count);
  for (let t0 = 0; t0 < count; t0 += steps) {
    const nt = Math.min(steps, count - t0);
    const n = nt * u;
    const act1 = bufs[0]!;
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      gray[tt] = t ^ (t >>> 1);
      for (let i = 0; i < u * h1; i++) act1[tt * u * h1 + i] = z[i]!;
      if (t + 1 < count) {
        // Gray code t -> t+1 flips bit ctz(t+1): on = feature now from x, so its b-term leaves.
        const next = t + 1;
        const bit = 31 - Math.clz32(next & -next);
        const sign = (((next ^ (next >>> 1)) >>> bit) & 1) === 1 ? -1 : 1;
        for (let r = 0; r < u; r++) {
          const off = (r * m + bit) * h1;
          for (let h = 0; h < h1; h++) z[r * h1 + h] += sign * delta[off + h]!;
        }
      }
    }
    activateInto(model.activation, act1.subarray(0, n * h1), act1.subarray(0, n * h1));
    let cur = act1;
    for (let l = 1; l + 1 < model.layers.length; l++) {
      const next = bufs[l]!;
      denseInto(cur, model.layers[l]!, next, n, widths[l]!);
      activateInto(model.activation, next.subarray(0, n * widths[l + 1]!), next.subarray(0, n * widths[l + 1]!));
      cur = next;
    }
    denseInto(cur, last, out, n, widths[widths.length - 2]!);
    for (let tt = 0; tt < nt; tt++) {
      const g = gray[tt]!;
      for (let r = 0; r < u; r++) {
        const row = (tt * u + r) * nA;
        let s = 0;
        for (let a = 0; a < nA; a++) {
          const ai = attrIndex[a]!;
          const j = active[a]!;
          const target = ai >= 0 && ((g >>> ai) & 1) === 0 ? background.data[r * d + j]! : x[j]!;
          const e = out[row + a]! - target;
          s += e * e;
        }
        values[g] += (background.weights[r]! * s) / nA;
      }
    }
  }
  for (let g = 0; g < count; g++) values[g]! /= inputs.backgroundRows;
  return values;
}

/**
 * `out[n, outW] = input[n, inW] · weight^T + bias`. Four rows at a time share each weight load;
 * the widths here are small (8..64), where gemm's packing costs more than it saves.
 */
function denseInto(input: Float32Array, layer: { weight: Float32Array; bias: Float32Array }, out: Float32Array, n: number, inW: number): void {
  const { weight, bias } = layer;
  const outW = bias.length;
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const i0 = r * inW;
    const i1 = i0 + inW;
    const i2 = i1 + inW;
    const i3 = i2 + inW;
    for (let o = 0; o < outW; o++) {
      const wo = o * inW;
      let s0 = bias[o]!;
      let s1 = s0;
      let s2 = s0;
      let s3 = s0;
      for (let k = 0; k < inW; k++) {
        const w = weight[wo + k]!;
        s0 += w * input[i0 + k]!;
        s1 += w * input[i1 + k]!;
        s2 += w * input[i2 + k]!;
        s3 += w * input[i3 + k]!;
      }
      out[r * outW + o] = s0;
      out[(r + 1) * outW + o] = s1;
      out[(r + 2) * outW + o] = s2;
      out[(r + 3) * outW + o] = s3;
    }
  }
  for (; r < n; r++) {
    for (let o = 0; o < outW; o++) {
      let s = bias[o]!;
      for (let k = 0; k < inW; k++) s += weight[o * inW + k]! * input[r * inW + k]!;
      out[r * outW + o] = s;
    }
  }
}

/** The rows `rows` of a Linear layer (the active outputs of the last layer). */
function restrictRows(layer: { weight: Float32Array; bias: Float32Array }, rows: Int32Array, inW: number): { weight: Float32Array; bias: Float32Array } {
  const weight = new Float32Array(rows.length * inW);
  const bias = new Float32Array(rows.length);
  for (let a = 0; a < rows.length; a++) {
    weight.set(layer.weight.subarray(rows[a]! * inW, (rows[a]! + 1) * inW), a * inW);
    bias[a] = layer.bias[rows[a]!]!;
  }
  return { weight, bias };
}
