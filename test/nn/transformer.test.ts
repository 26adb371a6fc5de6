import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Adam, SequenceAutoencoder, TransformerEncoderLayer } from '../../src/nn/index.js';
import { Var, backward } from '../../src/autograd/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { InvalidOptionError, ShapeError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

interface Tj { shape: number[]; data: number[] }
interface LayerCase {
  config: { d_model: number; nhead: number; dim_feedforward: number; dropout: number; activation: 'relu'; norm_first: boolean; layer_norm_eps: number };
  param_names: string[]; params: Record<string, Tj>;
  input: Tj; grad_out: Tj; output: Tj; grad_input: Tj; grads: Record<string, Tj>;
}
const layerCases = (JSON.parse(readFileSync(new URL('../fixtures/nn_modules.json', import.meta.url), 'utf8')) as {
  transformer_encoder_layer: LayerCase[];
}).transformer_encoder_layer;
const onnxExpected = (JSON.parse(readFileSync(new URL('../fixtures/onnx/expected.json', import.meta.url), 'utf8')) as {
  transformer_encoder_layer: { weights: string; input: Tj; output: Tj; output_torch_float32: Tj };
}).transformer_encoder_layer;

const t = (j: Tj): Tensor => new Tensor(Float32Array.from(j.data), j.shape);

/**
 * README float32 tolerance loosened by sqrt(K): rtol = 1e-4 sqrt(K), atol = 1e-5 max(1, max|ref|) sqrt(K).
 * K = 64: the longest reductions are the 64-wide feed-forward contraction and, for parameter
 * gradients, the B*T = 4*16 = 64 rows they sum over (attention sums over 16 keys, projections over 32).
 */
const K = 64;
function tol(ref: readonly number[], k = K): { rtol: number; atol: number } {
  const m = ref.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  return { rtol: 1e-4 * Math.sqrt(k), atol: 1e-5 * Math.max(1, m) * Math.sqrt(k) };
}

function loadLayer(c: LayerCase, dropout = 0): TransformerEncoderLayer {
  const cfg = c.config;
  const m = new TransformerEncoderLayer({
    dModel: cfg.d_model, nhead: cfg.nhead, dimFeedforward: cfg.dim_feedforward, dropout,
    activation: cfg.activation, normFirst: cfg.norm_first, layerNormEps: cfg.layer_norm_eps, rng: new Random(0),
  });
  m.loadStateDict(new Map(c.param_names.map((n) => [n, t(c.params[n]!)])));
  return m;
}

describe('TransformerEncoderLayer against PyTorch 1.13 (nn_modules.json "transformer_encoder_layer")', () => {
  it('has both the post-norm and the pre-norm reference', () => {
    expect(layerCases.map((c) => c.config.norm_first)).toEqual([false, true]);
  });

  for (const c of layerCases) {
    const form = c.config.norm_first ? 'pre-norm' : 'post-norm';
    it(`${form}: torch state-dict names and shapes in order`, () => {
      const m = loadLayer(c);
      expect(m.namedParameters().map(([n]) => n)).toEqual(c.param_names);
      for (const [n, p] of m.namedParameters()) expect(p.shape, n).toEqual(c.params[n]!.shape);
    });

    it(`${form}: output, grad_input and every parameter gradient match`, () => {
      const m = loadLayer(c);
      const x = new Var(t(c.input), { requiresGrad: true });
      const y = m.forward(x);
      expect(y.shape).toEqual(c.output.shape);
      expect(y.data).toBeAllclose(c.output.data, tol(c.output.data));
      backward(y, t(c.grad_out));
      expect(x.grad!.data).toBeAllclose(c.grad_input.data, tol(c.grad_input.data));
      for (const [name, p] of m.namedParameters()) {
        expect(p.grad!.data, name).toBeAllclose(c.grads[name]!.data, tol(c.grads[name]!.data));
      }
    });
  }

  it('with dropout 0.3: eval mode equals the reference, training mode does not', () => {
    const c = layerCases[0]!;
    const m = loadLayer(c, 0.3);
    expect(m.eval().forward(new Var(t(c.input))).data).toBeAllclose(c.output.data, tol(c.output.data));
    const trained = m.train().forward(new Var(t(c.input))).data;
    const maxDiff = trained.reduce((a, v, i) => Math.max(a, Math.abs(v - c.output.data[i]!)), 0);
    expect(maxDiff).toBeGreaterThan(0.1);
  });
});

describe('TransformerEncoderLayer against the exported ONNX model (onnx/expected.json)', () => {
  it('uses the nn_modules.json post-norm weights', () => {
    expect(onnxExpected.weights).toMatch(/transformer_encoder_layer\[0\]\.params/);
  });

  it('matches the float64 reference output and torch float32 output', () => {
    const m = loadLayer(layerCases[0]!).eval();
    const y = m.forward(new Var(t(onnxExpected.input)));
    expect(y.data).toBeAllclose(onnxExpected.output.data, tol(onnxExpected.output.data));
    expect(y.data).toBeAllclose(onnxExpected.output_torch_float32.data, tol(onnxExpected.output_torch_float32.data));
  });
});

describe('TransformerEncoderLayer options and errors', () => {
  const rng = new Random(0);
  it('throws InvalidOptionError naming the bad option', () => {
    expectError(() => new TransformerEncoderLayer({ dModel: 30, nhead: 4, rng }), InvalidOptionError, /nhead must be a positive integer dividing dModel 30, got 4/);
    expectError(() => new TransformerEncoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 0, rng }), InvalidOptionError, /^TransformerEncoderLayer: dimFeedforward must be a positive integer, got 0$/);
    expectError(() => new TransformerEncoderLayer({ dModel: 8, nhead: 2, dropout: -0.1, rng }), InvalidOptionError, /^TransformerEncoderLayer: dropout must be in \[0, 1\), got -0.1$/);
    expectError(() => new TransformerEncoderLayer({ dModel: 8, nhead: 2, activation: 'tanh' as 'relu', rng }), InvalidOptionError, /^TransformerEncoderLayer: activation must be 'relu' or 'gelu', got tanh$/);
    expectError(() => new TransformerEncoderLayer({ dModel: 8, nhead: 2, layerNormEps: -1, rng }), InvalidOptionError, /^TransformerEncoderLayer: layerNormEps must be >= 0, got -1$/);
  });

  it('throws ShapeError for an input that is not [B, T, dModel]', () => {
    const m = new TransformerEncoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 16, rng });
    const x = new Var(new Tensor(new Float32Array(2 * 3 * 4), [2, 3, 4]));
    expectError(() => m.forward(x), ShapeError, /TransformerEncoderLayer: input must be \[batch, seq, 8\], got \[2,3,4\]/);
  });
});

// ---- An independent float64 implementation of the SequenceAutoencoder (plain loops) ----

type P = Map<string, Float32Array>;

/** rows x in -> rows x out, y = x W^T + b. */
function lin(x: Float64Array, rows: number, w: Float32Array, b: Float32Array): Float64Array {
  const out = b.length, inn = w.length / out;
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = b[o]!;
      for (let i = 0; i < inn; i++) s += x[r * inn + i]! * w[o * inn + i]!;
      y[r * out + o] = s;
    }
  }
  return y;
}

function norm(x: Float64Array, d: number, w: Float32Array, b: Float32Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let mu = 0, v = 0;
    for (let j = 0; j < d; j++) mu += x[r * d + j]! / d;
    for (let j = 0; j < d; j++) v += (x[r * d + j]! - mu) ** 2 / d;
    for (let j = 0; j < d; j++) y[r * d + j] = ((x[r * d + j]! - mu) / Math.sqrt(v + 1e-5)) * w[j]! + b[j]!;
  }
  return y;
}

/** Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), k = 1 / (1 + 0.3275911 * a);
  return s * (1 - ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-a * a));
}

function selfAttention(x: Float64Array, bsz: number, tt: number, d: number, h: number, p: P): Float64Array {
  const qkv = lin(x, bsz * tt, p.get('encoder.self_attn.in_proj_weight')!, p.get('encoder.self_attn.in_proj_bias')!);
  const dh = d / h, concat = new Float64Array(bsz * tt * d);
  for (let b = 0; b < bsz; b++) {
    for (let hh = 0; hh < h; hh++) {
      for (let i = 0; i < tt; i++) {
        const sc = new Float64Array(tt);
        for (let j = 0; j < tt; j++) {
          for (let c = 0; c < dh; c++) sc[j] += qkv[(b * tt + i) * 3 * d + hh * dh + c]! * qkv[(b * tt + j) * 3 * d + d + hh * dh + c]!;
          sc[j] /= Math.sqrt(dh);
        }
        const mx = Math.max(...sc);
        let z = 0;
        for (let j = 0; j < tt; j++) z += Math.exp(sc[j]! - mx);
        for (let j = 0; j < tt; j++) {
          const pj = Math.exp(sc[j]! - mx) / z;
          for (let c = 0; c < dh; c++) concat[(b * tt + i) * d + hh * dh + c] += pj * qkv[(b * tt + j) * 3 * d + 2 * d + hh * dh + c]!;
        }
      }
    }
  }
  return lin(concat, bsz * tt, p.get('encoder.self_attn.out_proj.weight')!, p.get('encoder.self_attn.out_proj.bias')!);
}

interface Dims { bsz: number; tt: number; f: number; d: number; h: number; act: 'relu' | 'gelu'; normFirst: boolean }

function naiveReconstruct(x: Float32Array, p: P, s: Dims): Float64Array {
  const rows = s.bsz * s.tt;
  const e = lin(Float64Array.from(x), rows, p.get('embed.weight')!, p.get('embed.bias')!);
  const pos = p.get('pos_embedding')!;
  for (let r = 0; r < rows; r++) for (let j = 0; j < s.d; j++) e[r * s.d + j] += pos[(r % s.tt) * s.d + j]!;
  const plus = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v + b[i]!);
  const n1 = (z: Float64Array) => norm(z, s.d, p.get('encoder.norm1.weight')!, p.get('encoder.norm1.bias')!);
  const n2 = (z: Float64Array) => norm(z, s.d, p.get('encoder.norm2.weight')!, p.get('encoder.norm2.bias')!);
  const sa = (z: Float64Array) => selfAttention(z, s.bsz, s.tt, s.d, s.h, p);
  const ff = (z: Float64Array) => {
    const a = lin(z, rows, p.get('encoder.linear1.weight')!, p.get('encoder.linear1.bias')!)
      .map((v) => (s.act === 'relu' ? Math.max(v, 0) : 0.5 * v * (1 + erf(v / Math.SQRT2))));
    return lin(a, rows, p.get('encoder.linear2.weight')!, p.get('encoder.linear2.bias')!);
  };
  let y: Float64Array;
  if (s.normFirst) {
    const hdn = plus(e, sa(n1(e)));
    y = plus(hdn, ff(n2(hdn)));
  } else {
    const hdn = n1(plus(e, sa(e)));
    y = n2(plus(hdn, ff(hdn)));
  }
  return lin(y, rows, p.get('head.weight')!, p.get('head.bias')!);
}

describe('SequenceAutoencoder', () => {
  it('has the documented state-dict names and W5 shapes by default', () => {
    const m = new SequenceAutoencoder({ rng: new Random(0) });
    const named = m.namedParameters();
    expect(named.slice(0, 3).map(([n, p]) => [n, p.shape])).toEqual([['pos_embedding', [16, 32]], ['embed.weight', [32, 64]], ['embed.bias', [32]]]);
    expect(named.slice(3, 15).map(([n]) => n)).toEqual(layerCases[0]!.param_names.map((n) => `encoder.${n}`));
    expect(named.slice(15).map(([n, p]) => [n, p.shape])).toEqual([['head.weight', [64, 32]], ['head.bias', [64]]]);
  });

  for (const variant of [
    { act: 'relu', normFirst: false },
    { act: 'gelu', normFirst: true },
  ] as const) {
    it(`reconstruct and score match an independent float64 implementation (${variant.act}, normFirst ${variant.normFirst})`, () => {
      const s: Dims = { bsz: 3, tt: 5, f: 6, d: 8, h: 2, ...variant };
      const rng = new Random(11);
      const m = new SequenceAutoencoder({ inputDim: s.f, seqLen: s.tt, dModel: s.d, nhead: s.h, dimFeedforward: 12, activation: s.act, normFirst: s.normFirst, rng });
      // Non-trivial LayerNorm affine parameters and biases so mis-wiring shows.
      for (const [, p] of m.namedParameters()) if (p.shape.length === 1) rng.normalFill(p.data, 0, 0.5);
      const params: P = new Map(m.namedParameters().map(([n, p]) => [n, p.data]));
      const x = rng.normalFill(new Float32Array(s.bsz * s.tt * s.f));
      const ref = naiveReconstruct(x, params, s);
      expect(m.reconstruct(x, s.bsz)).toBeAllclose(ref, tol([...ref], 16));
      const per = s.tt * s.f;
      const refScore = Array.from({ length: s.bsz }, (_, b) => {
        let acc = 0;
        for (let j = b * per; j < (b + 1) * per; j++) acc += (ref[j]! - x[j]!) ** 2;
        return acc / per;
      });
      expect(m.score(x, s.bsz)).toBeAllclose(refScore, tol(refScore, per));
    });
  }

  it('trainStep with Adam lowers the loss on a fixed batch of low-rank windows', () => {
    const rng = new Random(4);
    const m = new SequenceAutoencoder({ inputDim: 8, seqLen: 4, dModel: 8, nhead: 2, dimFeedforward: 16, rng });
    const opt = new Adam(m.parameters(), { lr: 1e-2 });
    const rows = 16, per = 4 * 8;
    const basis = rng.normalFill(new Float32Array(2 * 8));
    const x = new Float32Array(rows * per);
    for (let r = 0; r < rows * 4; r++) {
      const a = rng.normal(), b = rng.normal();
      for (let j = 0; j < 8; j++) x[r * 8 + j] = a * basis[j]! + b * basis[8 + j]!;
    }
    const first = m.trainStep(x, rows, opt);
    let last = first;
    for (let i = 0; i < 60; i++) last = m.trainStep(x, rows, opt);
    expect(last).toBeLessThan(0.5 * first);
    // score runs in eval mode and restores training mode afterwards
    expect(m.score(x, rows).every((v) => Number.isFinite(v))).toBe(true);
    expect(m.training).toBe(true);
  });

  it('scores more windows than one inference chunk (256) exactly as window by window', () => {
    const rng = new Random(8);
    const m = new SequenceAutoencoder({ inputDim: 2, seqLen: 2, dModel: 2, nhead: 1, dimFeedforward: 2, rng });
    const n = 260, per = 4;
    const x = rng.normalFill(new Float32Array(n * per));
    const all = m.score(x, n);
    for (const i of [0, 255, 256, 259]) expect(all[i]).toBeAllclose(m.score(x.slice(i * per, (i + 1) * per), 1)[0]!, { rtol: 1e-6, atol: 1e-7 });
  });

  it('throws for a wrong input shape or data length', () => {
    const m = new SequenceAutoencoder({ inputDim: 4, seqLen: 3, dModel: 4, nhead: 2, dimFeedforward: 8, rng: new Random(0) });
    expectError(() => m.forward(new Var(new Tensor(new Float32Array(2 * 4 * 4), [2, 4, 4]))), ShapeError, /input must be \[batch, 3, 4\], got \[2,4,4\]/);
    expectError(() => m.score(new Float32Array(10), 1), ShapeError, /^SequenceAutoencoder\.score: data length must be rows \* 3 \* 4 = 12, got 10$/);
    expectError(() => new SequenceAutoencoder({ seqLen: 0, rng: new Random(0) }), InvalidOptionError, /seqLen must be a positive integer, got 0/);
  });
});
