import { describe, expect, it } from 'vitest';
import { Dropout, GELU, LayerNorm, MSELoss, ReLU, Sigmoid, Tanh } from '../../src/nn/index.js';
import { Var, backward, layerNorm } from '../../src/autograd/index.js';
import { Random, Tensor, erfScalar } from '../../src/tensor/index.js';
import { InvalidOptionError, ShapeError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

const xs = Float32Array.of(-3, -1.5, -0.2, 0.3, 1, 2.5);
const v = (d: Float32Array, shape: number[] = [d.length]) => new Var(new Tensor(d, shape), { requiresGrad: true });

describe('activations', () => {
  it('ReLU, Tanh, Sigmoid and both GELU forms match their formulas', () => {
    const a = Array.from(xs);
    expect(new ReLU().forward(v(xs)).data).toBeAllclose(a.map((t) => Math.max(t, 0)));
    expect(new Tanh().forward(v(xs)).data).toBeAllclose(a.map(Math.tanh));
    expect(new Sigmoid().forward(v(xs)).data).toBeAllclose(a.map((t) => 1 / (1 + Math.exp(-t))));
    expect(new GELU().forward(v(xs)).data).toBeAllclose(a.map((t) => 0.5 * t * (1 + erfScalar(t / Math.SQRT2))));
    const k = Math.sqrt(2 / Math.PI);
    expect(new GELU({ approximate: 'tanh' }).forward(v(xs)).data).toBeAllclose(a.map((t) => 0.5 * t * (1 + Math.tanh(k * (t + 0.044715 * t ** 3)))));
  });
  it('GELU rejects an unknown approximation', () => {
    expectError(() => new GELU({ approximate: 'fast' as 'tanh' }), InvalidOptionError, /^GELU: approximate must be 'none' or 'tanh', got fast$/);
  });
});

describe('Dropout', () => {
  it('is the identity in eval mode', () => {
    const d = new Dropout(0.5, new Random(0)).eval();
    const x = v(xs);
    expect(d.forward(x)).toBe(x);
  });
  it('in training zeroes about p of the elements and scales the rest by 1/(1-p), deterministically per seed', () => {
    const n = 20000, p = 0.3;
    const x = v(new Float32Array(n).fill(2));
    const y = new Dropout(p, new Random(1)).forward(x).data;
    let zeros = 0, others = 0;
    const kept = Math.fround(2 * (1 / 0.7));
    for (const t of y) {
      if (t === 0) zeros++;
      else if (t !== kept) others++;
    }
    expect(others).toBe(0);
    expect(zeros / n).toBeGreaterThan(0.28);
    expect(zeros / n).toBeLessThan(0.32);
    expect(Array.from(new Dropout(p, new Random(1)).forward(x).data)).toEqual(Array.from(y));
  });
  it('passes the gradient through the same mask', () => {
    const x = v(new Float32Array(50).fill(1));
    const y = new Dropout(0.5, new Random(2)).forward(x);
    backward(y, new Tensor(new Float32Array(50).fill(1), [50]));
    expect(Array.from(x.grad!.data)).toEqual(Array.from(y.data));
  });
  it('rejects p outside [0, 1]', () => {
    expectError(() => new Dropout(1.5, new Random(0)), InvalidOptionError, /^Dropout: p must be in \[0, 1\], got 1.5$/);
  });
});

describe('LayerNorm', () => {
  it('starts at weight 1, bias 0 and matches a naive float64 layer norm and the autograd layerNorm', () => {
    const rows = 5, d = 7;
    const x = new Random(3).normalFill(new Float32Array(rows * d), 3, 2);
    const ln = new LayerNorm(d);
    expect(ln.namedParameters().map(([n, p]) => [n, Array.from(p.data)])).toEqual([['weight', new Array(d).fill(1)], ['bias', new Array(d).fill(0)]]);
    ln.weight!.data.set(new Random(4).normalFill(new Float32Array(d)));
    ln.bias!.data.set(new Random(5).normalFill(new Float32Array(d)));
    const got = ln.forward(v(x, [rows, d])).data;
    const want: number[] = [];
    for (let i = 0; i < rows; i++) {
      const r = Array.from(x.subarray(i * d, (i + 1) * d));
      const mu = r.reduce((a, b) => a + b, 0) / d;
      const vr = r.reduce((a, b) => a + (b - mu) ** 2, 0) / d;
      r.forEach((t, j) => want.push(((t - mu) / Math.sqrt(vr + 1e-5)) * ln.weight!.data[j]! + ln.bias!.data[j]!));
    }
    expect(got).toBeAllclose(want, { rtol: 1e-4 * Math.sqrt(d), atol: 1e-5 * Math.sqrt(d) * 3 });
    expect(got).toBeAllclose(layerNorm(v(x, [rows, d]), { weight: ln.weight, bias: ln.bias }).data, { rtol: 0, atol: 0 });
  });
  it('throws ShapeError for the wrong last dim', () => {
    expectError(() => new LayerNorm(4, { elementwiseAffine: false }).forward(v(new Float32Array(6), [2, 3])), ShapeError, /^LayerNorm: input last dim must be 4, got \[2,3\]$/);
    expectError(() => new LayerNorm(4).forward(v(new Float32Array(6), [2, 3])), ShapeError, /^LayerNorm: input last dim must be 4, got \[2,3\]$/);
  });
});

describe('MSELoss', () => {
  it('averages over all elements, or over the chosen feature columns only (naive check)', () => {
    const a = Float32Array.of(1, 2, 3, 4, 5, 6), b = Float32Array.of(0, 2, 5, 1, 1, 1);
    const all = [1, 0, 4, 9, 16, 25].reduce((s, t) => s + t, 0) / 6;
    expect(new MSELoss().forward(v(a, [2, 3]), v(b, [2, 3])).item()).toBeAllclose(all);
    expect(new MSELoss({ features: [0, 2] }).forward(v(a, [2, 3]), v(b, [2, 3])).item()).toBeAllclose((1 + 4 + 9 + 25) / 4);
  });
  it('rejects an empty feature list and out-of-range features', () => {
    expectError(() => new MSELoss({ features: [] }), InvalidOptionError, /^MSELoss: features must be a non-empty list of non-negative integers, got \[\]$/);
    expectError(() => new MSELoss({ features: [3] }).forward(v(new Float32Array(6), [2, 3]), v(new Float32Array(6), [2, 3])), ShapeError, /^MSELoss: feature index must be < 3, got 3$/);
  });
});
