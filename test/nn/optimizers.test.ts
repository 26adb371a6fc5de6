import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, SGD, type Optimizer } from '../../src/nn/index.js';
import { param } from '../../src/autograd/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { InvalidOptionError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

interface Run {
  id: string;
  optimizer: 'Adam' | 'AdamW' | 'SGD';
  hyper: { lr: number; betas?: [number, number]; eps?: number; weight_decay: number; momentum?: number; dampening?: number; nesterov?: boolean };
  params_after_step: number[][];
}
interface Sequence {
  id: 'given_grads' | 'quadratic';
  param_init: number[];
  grads?: number[][];
  a?: number[];
  c?: number[];
  runs: Run[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as { sequences: Sequence[] };

function build(run: Run, p: ReturnType<typeof param>): Optimizer {
  const h = run.hyper;
  if (run.optimizer === 'SGD') {
    return new SGD([p], { lr: h.lr, momentum: h.momentum, dampening: h.dampening, weightDecay: h.weight_decay, nesterov: h.nesterov });
  }
  const opts = { lr: h.lr, betas: h.betas, eps: h.eps, weightDecay: h.weight_decay };
  return run.optimizer === 'Adam' ? new Adam([p], opts) : new AdamW([p], opts);
}

// Reference: torch 1.13 in float64 from float32 inputs; updates are elementwise (no reductions), so the
// README's float32 tolerance applies unloosened: rtol 1e-4, atol 1e-5 * max(1, max|ref|) (the matcher's default).
describe.each(fixture.sequences)('optimizers on the $id sequence (optim.json)', (seq) => {
  it.each(seq.runs)('$id matches torch after each of the 5 steps', (run) => {
    expect(seq.param_init.every((v) => Math.fround(v) === v)).toBe(true);
    const p = param(new Tensor(Float32Array.from(seq.param_init), [seq.param_init.length]));
    const opt = build(run, p);
    for (let t = 0; t < run.params_after_step.length; t++) {
      opt.zeroGrad();
      const g = p.grad!.data;
      for (let i = 0; i < g.length; i++) {
        // quadratic: gradient of 0.5 a p^2 - c p at the current parameters
        g[i] = seq.id === 'given_grads' ? seq.grads![t]![i]! : seq.a![i]! * p.data[i]! - seq.c![i]!;
      }
      opt.step();
      expect(p.data, `${run.id} step ${t + 1}`).toBeAllclose(run.params_after_step[t]);
    }
  });
});

describe('Optimizer hyperparameter validation', () => {
  const p = () => param(new Tensor(new Float32Array(3), [3]));
  it('throws InvalidOptionError naming the class and option for a negative lr', () => {
    expectError(() => new Adam([p()], { lr: -1 }), InvalidOptionError, /^Adam: lr must be a positive number, got -1$/);
    expectError(() => new SGD([p()], { lr: Number.NaN }), InvalidOptionError, /^SGD: lr must be a positive number, got NaN$/);
  });
  it('rejects betas outside [0, 1) and negative eps or weight decay, naming AdamW for AdamW', () => {
    expectError(() => new AdamW([p()], { betas: [1, 0.999] }), InvalidOptionError, /^AdamW: beta1 must be in \[0, 1\), got 1$/);
    expectError(() => new Adam([p()], { betas: [0.9, -0.1] }), InvalidOptionError, /^Adam: beta2 must be in \[0, 1\), got -0.1$/);
    expectError(() => new Adam([p()], { eps: -1e-8 }), InvalidOptionError, /^Adam: eps must be a finite number >= 0/);
    expectError(() => new SGD([p()], { lr: 0.1, weightDecay: -1 }), InvalidOptionError, /^SGD: weightDecay must be a finite number >= 0, got -1$/);
  });
  it('rejects nesterov without momentum and an empty parameter list', () => {
    expectError(() => new SGD([p()], { lr: 0.1, nesterov: true }), InvalidOptionError, /^SGD: nesterov must have momentum > 0 and dampening 0, got momentum 0/);
    expectError(() => new Adam([]), InvalidOptionError, /^Adam: params must contain at least one parameter, got an empty list$/);
  });
  it('defaults AdamW weight decay to 0.01 and Adam to 0, as torch', () => {
    expect(new AdamW([p()]).weightDecay).toBe(0.01);
    expect(new Adam([p()]).weightDecay).toBe(0);
  });
});

describe('Optimizer.step and zeroGrad', () => {
  it('skips parameters without a gradient and does not advance their step count', () => {
    const a = param(new Tensor(Float32Array.of(1, 2), [2]));
    const b = param(new Tensor(Float32Array.of(3), [1]));
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = new Tensor(Float32Array.of(1, -1), [2]);
    opt.step();
    expect(Array.from(b.data)).toEqual([3]);
    // First Adam step moves by lr * sign(g) (m/sqrt(v) = ±1 after bias correction, eps negligible).
    expect(a.data).toBeAllclose([0.9, 2.1]);
    b.grad = new Tensor(Float32Array.of(5), [1]);
    opt.step();
    expect(b.data).toBeAllclose([2.9]); // b's own first step: full lr
  });
  it('zeroGrad keeps gradient buffers (zero-filled) and creates missing ones', () => {
    const a = param(new Tensor(Float32Array.of(1, 2), [2]));
    const g = new Tensor(Float32Array.of(4, 5), [2]);
    a.grad = g;
    const b = param(new Tensor(Float32Array.of(3), [1]));
    new SGD([a, b], { lr: 1 }).zeroGrad();
    expect(a.grad).toBe(g);
    expect(Array.from(g.data)).toEqual([0, 0]);
    expect(Array.from(b.grad!.data)).toEqual([0]);
  });
  it('plain SGD (momentum 0) is p -= lr (g + wd p)', () => {
    const a = param(new Tensor(Float32Array.of(1, -2), [2]));
    a.grad = new Tensor(Float32Array.of(0.5, 0.25), [2]);
    new SGD([a], { lr: 0.1, weightDecay: 0.1 }).step();
    expect(a.data).toBeAllclose([1 - 0.1 * (0.5 + 0.1), -2 - 0.1 * (0.25 - 0.2)]);
  });
});
