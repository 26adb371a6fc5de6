/**
 * The fused transformer step against PyTorch 1.13 (nn_modules.json "transformer_encoder_layer") and
 * against autograd: the fused encoder layer's output, input gradient and every parameter gradient
 * match torch's; the SequenceAutoencoder's fused lossAndGrad matches its autograd loss and gradients.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Var, backward, zeroGrad } from '../../src/autograd/index.js';
import { SequenceAutoencoder, TransformerEncoderLayer } from '../../src/nn/index.js';
import { EncoderScratch, FusedEncoderLayer } from '../../src/nn/fused-encoder-layer.js';
import { Random, Tensor } from '../../src/tensor/index.js';

interface Tj { shape: number[]; data: number[] }
interface LayerCase {
  config: { d_model: number; nhead: number; dim_feedforward: number; norm_first: boolean; layer_norm_eps: number };
  param_names: string[]; params: Record<string, Tj>;
  input: Tj; grad_out: Tj; output: Tj; grad_input: Tj; grads: Record<string, Tj>;
}
/** Buffers outside the kernel heap, so the WebAssembly drivers' copy-in/copy-back path runs too. */
const plain = (length: number): Float32Array => new Float32Array(length);
const cases = (JSON.parse(readFileSync(new URL('../fixtures/nn_modules.json', import.meta.url), 'utf8')) as { transformer_encoder_layer: LayerCase[] }).transformer_encoder_layer;

/** transformer.test.ts's tolerance: README float32 tolerance loosened by sqrt(64). */
function tol(ref: readonly number[]): { rtol: number; atol: number } {
  const m = ref.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  return { rtol: 8e-4, atol: 8e-5 * Math.max(1, m) };
}

describe('FusedEncoderLayer against PyTorch 1.13', () => {
  for (const c of cases) {
    const form = c.config.norm_first ? 'pre-norm' : 'post-norm';
    it(`${form}: output, grad_input and every parameter gradient match torch`, () => {
      const cfg = c.config;
      const layer = new TransformerEncoderLayer({ dModel: cfg.d_model, nhead: cfg.nhead, dimFeedforward: cfg.dim_feedforward, dropout: 0, normFirst: cfg.norm_first, layerNormEps: cfg.layer_norm_eps, rng: new Random(0) });
      layer.loadStateDict(new Map(c.param_names.map((n) => [n, new Tensor(Float32Array.from(c.params[n]!.data), c.params[n]!.shape)])));
      const [b, len, d] = c.input.shape as [number, number, number];
      const rows = b * len;
      const fused = new FusedEncoderLayer(layer, rows, b * cfg.nhead * len * len, plain);
      const dims = { batch: b, len, dModel: d, heads: cfg.nhead, causal: false };
      const out = fused.forward(Float32Array.from(c.input.data), dims);
      expect(out.subarray(0, rows * d)).toBeAllclose(c.output.data, tol(c.output.data));
      for (const p of layer.parameters()) p.grad = new Tensor(new Float32Array(p.size).fill(NaN), p.shape);
      const dX = new Float32Array(rows * d);
      fused.backward(Float32Array.from(c.grad_out.data), dX, dims, new EncoderScratch(rows, d, cfg.dim_feedforward, len, plain));
      expect(dX).toBeAllclose(c.grad_input.data, tol(c.grad_input.data));
      for (const [name, p] of layer.namedParameters()) expect(p.grad!.data, name).toBeAllclose(c.grads[name]!.data, tol(c.grads[name]!.data));
    });
  }
});

describe('SequenceAutoencoder fused lossAndGrad against autograd', () => {
  it('loss and every parameter gradient agree', () => {
    const model = new SequenceAutoencoder({ inputDim: 12, seqLen: 5, dModel: 8, nhead: 2, dimFeedforward: 16, rng: new Random(2) });
    const x = new Random(3).normalFill(new Float32Array(7 * 5 * 12));
    zeroGrad(model.parameters());
    const ref = model.loss(new Var(new Tensor(x, [7, 5, 12])));
    backward(ref);
    const want = model.namedParameters().map(([n, p]) => [n, Float32Array.from(p.grad!.data)] as const);
    for (const p of model.parameters()) p.grad!.data.fill(NaN);
    expect(model.lossAndGrad(x, 7)).toBeCloseTo(ref.item(), 6);
    for (const [n, g] of want) expect(model.namedParameters().find(([m]) => m === n)![1].grad!.data, n).toBeAllclose(g, { rtol: 1e-3, atol: 1e-6 });
  });
});
