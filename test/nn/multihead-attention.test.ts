import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MultiheadAttention } from '../../src/nn/index.js';
import { Var, backward } from '../../src/autograd/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

interface Tj { shape: number[]; data: number[] }
interface MhaCase {
  id: string;
  config: { embed_dim: number; num_heads: number; self_attention: boolean };
  params: Record<string, Tj>;
  query: Tj; key: Tj | null; value: Tj | null;
  attn_mask: Tj | null; key_padding_mask: Tj | null;
  grad_out: Tj; output: Tj; attn_weights_avg: Tj;
  grad_query: Tj; grad_key: Tj | null; grad_value: Tj | null;
  grads: Record<string, Tj>;
}
const cases = (JSON.parse(readFileSync(new URL('../fixtures/nn_modules.json', import.meta.url), 'utf8')) as {
  multihead_attention: MhaCase[];
}).multihead_attention;

const t = (j: Tj): Tensor => new Tensor(Float32Array.from(j.data), j.shape);
const leaf = (j: Tj): Var => new Var(t(j), { requiresGrad: true });

/**
 * README float32 tolerance loosened by sqrt(K): rtol = 1e-4 sqrt(K), atol = 1e-5 max(1, max|ref|) sqrt(K).
 * K = the longest reduction behind a value: the E-term projections, the S-term softmax/weighted sums,
 * and for parameter gradients the B*L (or B*S) rows they sum over; we take the max of those per case.
 */
function tol(ref: readonly number[], k: number): { rtol: number; atol: number } {
  const m = ref.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  return { rtol: 1e-4 * Math.sqrt(k), atol: 1e-5 * Math.max(1, m) * Math.sqrt(k) };
}

function load(c: MhaCase): MultiheadAttention {
  const m = new MultiheadAttention({ embedDim: c.config.embed_dim, numHeads: c.config.num_heads, rng: new Random(0) });
  m.loadStateDict(new Map(Object.entries(c.params).map(([k, v]) => [k, t(v)])));
  return m;
}

describe('MultiheadAttention against PyTorch 1.13 (nn_modules.json "multihead_attention")', () => {
  it('covers every reference case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  for (const c of cases) {
    it(`${c.id}: output, averaged weights, input and parameter gradients match`, () => {
      const m = load(c);
      const [b, l, e] = c.query.shape as [number, number, number];
      const s = c.key?.shape[1] ?? l;
      const k = Math.max(e, b * Math.max(l, s));
      const q = leaf(c.query);
      const key = c.config.self_attention ? q : leaf(c.key!);
      const value = c.config.self_attention ? q : leaf(c.value!);
      const { output, attnWeightsAvg } = m.attend(q, key, value, {
        attnMask: c.attn_mask ? t(c.attn_mask) : undefined,
        keyPaddingMask: c.key_padding_mask ? t(c.key_padding_mask) : undefined,
      });
      expect(output.shape).toEqual(c.output.shape);
      expect(output.data).toBeAllclose(c.output.data, tol(c.output.data, k));
      expect(attnWeightsAvg!.shape).toEqual(c.attn_weights_avg.shape);
      expect(attnWeightsAvg!.data).toBeAllclose(c.attn_weights_avg.data, tol(c.attn_weights_avg.data, k));
      backward(output, t(c.grad_out));
      expect(q.grad!.data).toBeAllclose(c.grad_query.data, tol(c.grad_query.data, k));
      if (!c.config.self_attention) {
        expect(key.grad!.data).toBeAllclose(c.grad_key!.data, tol(c.grad_key!.data, k));
        expect(value.grad!.data).toBeAllclose(c.grad_value!.data, tol(c.grad_value!.data, k));
      }
      const names = m.namedParameters().map(([n]) => n);
      expect(names.sort()).toEqual(Object.keys(c.grads).sort());
      for (const [name, p] of m.namedParameters()) {
        expect(p.grad!.data, name).toBeAllclose(c.grads[name]!.data, tol(c.grads[name]!.data, k));
      }
    });
  }

  it('self-attention through three separate Vars (the unfused projection path) gives grad_query as the sum of the three', () => {
    const c = cases.find((x) => x.config.self_attention && x.attn_mask !== null) ?? cases.find((x) => x.config.self_attention)!;
    const m = load(c);
    const [q, key, value] = [leaf(c.query), leaf(c.query), leaf(c.query)];
    const { output } = m.attend(q, key, value, { attnMask: c.attn_mask ? t(c.attn_mask) : undefined });
    expect(output.data).toBeAllclose(c.output.data, tol(c.output.data, 64));
    backward(output, t(c.grad_out));
    const summed = q.grad!.data.map((g, i) => g + key.grad!.data[i]! + value.grad!.data[i]!);
    expect(summed).toBeAllclose(c.grad_query.data, tol(c.grad_query.data, 64));
  });

  it('forward returns attend(...).output', () => {
    const c = cases[0]!;
    const m = load(c);
    const x = new Var(t(c.query));
    expect(m.forward(x).data).toBeAllclose(c.output.data, tol(c.output.data, 64));
  });
});

describe('MultiheadAttention initialisation (torch _reset_parameters)', () => {
  const e = 32;
  const m = new MultiheadAttention({ embedDim: e, numHeads: 4, rng: new Random(3) });

  it('has torch state-dict names and shapes in order', () => {
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['in_proj_weight', [3 * e, e]], ['in_proj_bias', [3 * e]], ['out_proj.weight', [e, e]], ['out_proj.bias', [e]],
    ]);
  });

  it('in_proj_weight is xavier-uniform over [3E, E], biases are zero, out_proj.weight is U(±1/sqrt(E))', () => {
    const w = m.inProjWeight.data;
    const bound = Math.sqrt(6 / (4 * e));
    const maxAbs = w.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    expect(maxAbs).toBeLessThanOrEqual(bound);
    expect(maxAbs).toBeGreaterThan(0.95 * bound);
    // Variance of U(-a, a) is a^2/3; with 3072 draws the sample variance is within a few percent.
    const variance = w.reduce((a, v) => a + v * v, 0) / w.length;
    expect(variance).toBeGreaterThan(0.9 * (bound * bound) / 3);
    expect(variance).toBeLessThan(1.1 * (bound * bound) / 3);
    expect(m.inProjBias.data.every((v) => v === 0)).toBe(true);
    expect(m.outProj.bias!.data.every((v) => v === 0)).toBe(true);
    const ow = m.outProj.weight.data;
    expect(ow.reduce((a, v) => Math.max(a, Math.abs(v)), 0)).toBeLessThanOrEqual(1 / Math.sqrt(e));
  });
});

describe('MultiheadAttention masking', () => {
  it('a masked key gets exactly zero weight and changing its value does not change the output', () => {
    const rng = new Random(5);
    const m = new MultiheadAttention({ embedDim: 8, numHeads: 2, rng });
    const q = new Tensor(rng.normalFill(new Float32Array(1 * 3 * 8)), [1, 3, 8]);
    const kv = rng.normalFill(new Float32Array(1 * 4 * 8));
    const pad = new Tensor(Float32Array.of(0, 0, 1, 0), [1, 4]);
    const run = (data: Float32Array) => m.attend(new Var(q), new Var(new Tensor(data, [1, 4, 8])), new Var(new Tensor(data, [1, 4, 8])), { keyPaddingMask: pad });
    const a = run(kv);
    const changed = kv.slice();
    for (let j = 16; j < 24; j++) changed[j] = 100;
    const bRes = run(changed);
    for (let l = 0; l < 3; l++) expect(a.attnWeightsAvg!.data[l * 4 + 2]).toBe(0);
    expect(bRes.output.data).toEqual(a.output.data);
  });

  it('throws DataError when a query has every key masked', () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 1, rng: new Random(0) });
    const x = new Var(new Tensor(new Float32Array(2 * 2 * 4), [2, 2, 4]));
    const attnMask = new Tensor(Float32Array.of(0, 1, 0, 0), [2, 2]);
    const keyPaddingMask = new Tensor(Float32Array.of(0, 0, 1, 0), [2, 2]);
    expectError(() => m.attend(x, x, x, { attnMask, keyPaddingMask }), DataError, /batch 1, query 0 with all 2 keys masked/);
  });
});

describe('MultiheadAttention errors', () => {
  it('throws InvalidOptionError when numHeads does not divide embedDim', () => {
    expectError(() => new MultiheadAttention({ embedDim: 10, numHeads: 3, rng: new Random(0) }), InvalidOptionError, /numHeads must be a positive integer dividing embedDim 10, got 3/);
    expectError(() => new MultiheadAttention({ embedDim: 0, numHeads: 1, rng: new Random(0) }), InvalidOptionError, /^MultiheadAttention: embedDim must be a positive integer, got 0$/);
    expectError(() => new MultiheadAttention({ embedDim: 4, numHeads: 1, dropout: 1, rng: new Random(0) }), InvalidOptionError, /^MultiheadAttention: dropout must be in \[0, 1\), got 1$/);
  });

  it('throws ShapeError for a wrong feature width, mismatched key/value and bad mask shapes', () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2, rng: new Random(0) });
    const x = new Var(new Tensor(new Float32Array(2 * 3 * 4), [2, 3, 4]));
    const bad = new Var(new Tensor(new Float32Array(2 * 3 * 5), [2, 3, 5]));
    const kv5 = new Var(new Tensor(new Float32Array(2 * 5 * 4), [2, 5, 4]));
    expectError(() => m.attend(bad, bad, bad), ShapeError, /query, key and value must be \[batch, seq, 4\], got \[2,3,5\]/);
    expectError(() => m.attend(x, x, kv5), ShapeError, /^MultiheadAttention: key and value must be \[2, S, 4\] with the same S, got \[2,3,4\] and \[2,5,4\]$/);
    const mask = new Tensor(new Float32Array(4), [2, 2]);
    expectError(() => m.attend(x, x, x, { attnMask: mask }), ShapeError, /^MultiheadAttention: attnMask must have shape \[3,3\], got \[2,2\]$/);
    expectError(() => m.attend(x, x, x, { keyPaddingMask: mask }), ShapeError, /^MultiheadAttention: keyPaddingMask must have shape \[2,3\], got \[2,2\]$/);
  });
});
