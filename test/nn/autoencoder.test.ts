import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Adam, Autoencoder, SGD, type Activation } from '../../src/nn/index.js';
import { Var, backward } from '../../src/autograd/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { InvalidOptionError, ShapeError, TrainingError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

interface Tj { shape: number[]; data: number[] }
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_modules.json', import.meta.url), 'utf8')).autoencoder as {
  param_names: string[]; params: Record<string, Tj>; input: Tj; reconstruction: Tj; score: Tj; loss: number;
  grads: Record<string, Tj>; grad_input: Tj;
};
const ROWS = fx.input.shape[0]!;
const D = fx.input.shape[1]!;

/**
 * README tolerance for float32 code, loosened by sqrt(K) for a K-term reduction:
 * rtol = 1e-4 sqrt(K), atol = 1e-5 max(1, max|ref|) sqrt(K).
 */
function tol(ref: readonly number[], k: number): { rtol: number; atol: number } {
  const m = ref.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  return { rtol: 1e-4 * Math.sqrt(k), atol: 1e-5 * Math.max(1, m) * Math.sqrt(k) };
}
// K per quantity: reconstruction and score rows contract/average over <= 64 terms; the loss averages
// 16 x 64 = 1024 terms; every gradient is a chain of contractions over <= 64 terms (dW over 16 rows).
const K_ROW = 64;
const K_LOSS = ROWS * D;
const K_GRAD = 64;

function loadFixtureModel(): Autoencoder {
  const m = new Autoencoder({ inputDim: D, rng: new Random(0) });
  m.loadStateDict(new Map(fx.param_names.map((k) => [k, new Tensor(Float32Array.from(fx.params[k]!.data), fx.params[k]!.shape)])));
  return m;
}

describe('Autoencoder against PyTorch (nn_modules.json "autoencoder")', () => {
  const x = Float32Array.from(fx.input.data);

  it('has the torch state-dict names in order and the 64-32-8-32-64 shapes', () => {
    const m = new Autoencoder({ inputDim: 64, rng: new Random(0) });
    expect(m.namedParameters().map(([n]) => n)).toEqual(fx.param_names);
    for (const [n, p] of m.namedParameters()) expect(p.shape).toEqual(fx.params[n]!.shape);
  });

  it('reconstruct and score match the reference', () => {
    const m = loadFixtureModel();
    expect(m.reconstruct(x, ROWS)).toBeAllclose(fx.reconstruction.data, tol(fx.reconstruction.data, K_ROW));
    expect(m.score(x, ROWS)).toBeAllclose(fx.score.data, tol(fx.score.data, K_ROW));
  });

  it('autograd path: loss, every parameter gradient and grad_input match', () => {
    const m = loadFixtureModel();
    const xv = new Var(new Tensor(x.slice(), [ROWS, D]), { requiresGrad: true });
    expect(m.forward(xv).data).toBeAllclose(fx.reconstruction.data, tol(fx.reconstruction.data, K_ROW));
    const loss = m.loss(xv);
    expect(loss.item()).toBeAllclose(fx.loss, tol([fx.loss], K_LOSS));
    backward(loss);
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad!.data, name).toBeAllclose(fx.grads[name]!.data, tol(fx.grads[name]!.data, K_GRAD));
    }
    expect(xv.grad!.data).toBeAllclose(fx.grad_input.data, tol(fx.grad_input.data, K_GRAD));
  });

  it('fused path: loss, every parameter gradient and grad_input match', () => {
    const m = loadFixtureModel();
    const gradInput = new Float32Array(ROWS * D);
    const loss = m.lossAndGrad(x, ROWS, gradInput);
    expect(loss).toBeAllclose(fx.loss, tol([fx.loss], K_LOSS));
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad!.data, name).toBeAllclose(fx.grads[name]!.data, tol(fx.grads[name]!.data, K_GRAD));
    }
    expect(gradInput).toBeAllclose(fx.grad_input.data, tol(fx.grad_input.data, K_GRAD));
  });
});

/** Gradients of the autograd path (the in-house reference) for `x [rows, d]`. */
function autogradGrads(m: Autoencoder, x: Float32Array, rows: number): { loss: number; grads: Float32Array[]; gx: Float32Array } {
  for (const p of m.parameters()) p.grad = undefined;
  const xv = new Var(new Tensor(x.slice(), [rows, m.inputDim]), { requiresGrad: true });
  const loss = m.loss(xv);
  backward(loss);
  return { loss: loss.item(), grads: m.parameters().map((p) => p.grad!.data.slice()), gx: xv.grad!.data };
}

describe('Autoencoder fused path equals the autograd path', () => {
  const cases: { activation: Activation; hiddenDims: number[]; active: number[] | null; lossFeatures: 'all' | 'active' }[] = [
    { activation: 'relu', hiddenDims: [32, 8], active: null, lossFeatures: 'all' },
    { activation: 'gelu', hiddenDims: [16, 8, 4], active: null, lossFeatures: 'all' },
    { activation: 'tanh', hiddenDims: [12], active: [0, 2, 3, 7, 19], lossFeatures: 'active' },
    { activation: 'relu', hiddenDims: [10, 6], active: [1, 4, 5], lossFeatures: 'all' },
  ];
  it.each(cases)('$activation $hiddenDims active=$active loss over $lossFeatures', (c) => {
    const d = 20, rows = 37;
    const m = new Autoencoder({ inputDim: d, hiddenDims: c.hiddenDims, activation: c.activation, activeFeatures: c.active, lossFeatures: c.lossFeatures, rng: new Random(3) });
    const x = new Random(4).normalFill(new Float32Array(rows * d));
    const ref = autogradGrads(m, x, rows);
    const gx = new Float32Array(rows * d);
    const loss = m.lossAndGrad(x, rows, gx);
    expect(loss).toBeAllclose(ref.loss, { rtol: 1e-5, atol: 1e-7 });
    m.parameters().forEach((p, i) => expect(p.grad!.data).toBeAllclose(ref.grads[i], { rtol: 1e-4, atol: 1e-6 }));
    expect(gx).toBeAllclose(ref.gx, { rtol: 1e-4, atol: 1e-6 });
  });

  it('continues the Sequential numbering for deeper stacks', () => {
    const m = new Autoencoder({ inputDim: 10, hiddenDims: [8, 6, 4], rng: new Random(0) });
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'encoder.0.weight', 'encoder.0.bias', 'encoder.2.weight', 'encoder.2.bias', 'encoder.4.weight', 'encoder.4.bias',
      'decoder.0.weight', 'decoder.0.bias', 'decoder.2.weight', 'decoder.2.bias', 'decoder.4.weight', 'decoder.4.bias',
    ]);
    expect(m.stateDict().get('decoder.4.weight')!.shape).toEqual([10, 8]);
  });
});

describe('Autoencoder.score and reconstruct', () => {
  it('score averages squared error over the active features only (naive check, > 1 inference chunk)', () => {
    const d = 6, rows = 2500;
    const active = [0, 3, 5];
    const m = new Autoencoder({ inputDim: d, hiddenDims: [4, 2], activeFeatures: active, rng: new Random(1) });
    const x = new Random(2).normalFill(new Float32Array(rows * d));
    const y = m.reconstruct(x, rows);
    const got = m.score(x, rows);
    const xv = new Var(new Tensor(x, [rows, d]));
    const yAutograd = m.forward(xv).data;
    expect(y).toBeAllclose(yAutograd, { rtol: 1e-5, atol: 1e-6 });
    const want = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (const j of active) s += (y[i * d + j]! - x[i * d + j]!) ** 2;
      want[i] = s / active.length;
    }
    expect(got).toBeAllclose(want, { rtol: 1e-5, atol: 1e-7 });
  });

  it('writes into a caller-provided output and handles zero rows', () => {
    const m = new Autoencoder({ inputDim: 4, hiddenDims: [2], rng: new Random(1) });
    const out = new Float32Array(3);
    expect(m.score(new Float32Array(12), 3, out)).toBe(out);
    expect(m.score(new Float32Array(0), 0)).toHaveLength(0);
  });

  it('throws ShapeError when the input is shorter than rows x inputDim', () => {
    const m = new Autoencoder({ inputDim: 4, hiddenDims: [2], rng: new Random(1) });
    expectError(() => m.score(new Float32Array(7), 2), ShapeError, /^Autoencoder\.score: input must hold rows x 4 = 8 values, got 7 for rows 2$/);
  });
});

describe('Autoencoder.trainStep', () => {
  it('equals lossAndGrad followed by optimizer.step on a copy of the model', () => {
    const x = new Random(5).normalFill(new Float32Array(50 * 8));
    const a = new Autoencoder({ inputDim: 8, hiddenDims: [4], rng: new Random(6) });
    const b = new Autoencoder({ inputDim: 8, hiddenDims: [4], rng: new Random(6) });
    const optA = new Adam(a.parameters(), { lr: 1e-2 });
    const optB = new Adam(b.parameters(), { lr: 1e-2 });
    for (let s = 0; s < 3; s++) {
      const la = a.trainStep(x, 50, optA);
      const lb = b.lossAndGrad(x, 50);
      optB.step();
      expect(la).toBe(lb);
    }
    a.parameters().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(b.parameters()[i]!.data)));
  });

  it('reduces the loss over a few hundred steps on structured data', () => {
    const rng = new Random(7);
    const rows = 128, d = 8;
    const x = new Float32Array(rows * d);
    for (let i = 0; i < rows; i++) {
      const t = rng.normal();
      for (let j = 0; j < d; j++) x[i * d + j] = t * (j % 2 === 0 ? 1 : -1) + 0.05 * rng.normal();
    }
    const m = new Autoencoder({ inputDim: d, hiddenDims: [4, 2], rng: new Random(8) });
    const opt = new Adam(m.parameters(), { lr: 1e-2 });
    const first = m.trainStep(x, rows, opt);
    let last = first;
    for (let s = 0; s < 300; s++) last = m.trainStep(x, rows, opt);
    expect(last).toBeLessThan(first * 0.1);
  });

  it('throws TrainingError and leaves the parameters untouched when the loss is not finite', () => {
    const m = new Autoencoder({ inputDim: 4, hiddenDims: [2], rng: new Random(1) });
    const before = m.parameters().map((p) => p.data.slice());
    const x = Float32Array.of(1, 2, Number.NaN, 4);
    expectError(() => m.trainStep(x, 1, new SGD(m.parameters(), { lr: 0.1 })), TrainingError, /^Autoencoder\.trainStep: loss must be finite, got NaN$/);
    m.parameters().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(before[i]!)));
  });

  it('throws ShapeError for an empty batch or a short batch', () => {
    const m = new Autoencoder({ inputDim: 4, hiddenDims: [2], rng: new Random(1) });
    const opt = new SGD(m.parameters(), { lr: 0.1 });
    expectError(() => m.trainStep(new Float32Array(8), 0, opt), ShapeError, /^Autoencoder\.lossAndGrad: rows must be >= 1, got 0$/);
    expectError(() => m.trainStep(new Float32Array(7), 2, opt), ShapeError, /^Autoencoder\.lossAndGrad: input must hold rows x 4 = 8 values, got 7 for rows 2$/);
  });
});

describe('Autoencoder options', () => {
  const rng = new Random(0);
  it('rejects bad widths, activations, lossFeatures and activeFeatures with InvalidOptionError', () => {
    expectError(() => new Autoencoder({ inputDim: 0, rng }), InvalidOptionError, /^Autoencoder: inputDim and hiddenDims must be positive integers \(at least one hidden\), got 0 and \[32, 8\]$/);
    expectError(() => new Autoencoder({ inputDim: 8, hiddenDims: [4, 0], rng }), InvalidOptionError, /^Autoencoder: inputDim and hiddenDims must be positive integers/);
    expectError(() => new Autoencoder({ inputDim: 8, activation: 'elu' as Activation, rng }), InvalidOptionError, /^Autoencoder: activation must be 'relu', 'gelu' or 'tanh', got elu$/);
    expectError(() => new Autoencoder({ inputDim: 8, lossFeatures: 'some' as 'all', rng }), InvalidOptionError, /^Autoencoder: lossFeatures must be 'all' or 'active', got some$/);
    expectError(() => new Autoencoder({ inputDim: 8, activeFeatures: [1, 8], rng }), InvalidOptionError, /^Autoencoder: activeFeatures must be distinct integers in \[0, 8\), got 8/);
    expectError(() => new Autoencoder({ inputDim: 8, activeFeatures: [1, 1], rng }), InvalidOptionError, /^Autoencoder: activeFeatures must be distinct integers in \[0, 8\), got 1 in \[1, 1\]$/);
    expectError(() => new Autoencoder({ inputDim: 8, activeFeatures: [], rng }), InvalidOptionError, /^Autoencoder: activeFeatures must not be empty, got \[\]$/);
  });
});
