import { describe, expect, it } from 'vitest';
import { param } from '../../src/autograd/index.js';
import { FormatError } from '../../src/errors.js';
import { federatedKind, flatten, layoutOf, type GlobalModel } from '../../src/federated/index.js';
import { proximalGradient } from '../../src/federated/proximal.js';
import { Tensor } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';
import { hostRows, smallConfig } from './helpers.js';

describe('FedProx proximal term', () => {
  it('adds mu (w - w_global) to each gradient', () => {
    const w = param(new Tensor(Float32Array.of(1, 2, 3), [3]));
    w.grad = new Tensor(Float32Array.of(0.5, 0, -1), [3]);
    const global: GlobalModel = { state: new Map([['layer.weight', new Tensor(Float32Array.of(0, 2, 5), [3])]]), version: 1, kind: 'autoencoder', metadata: {} };
    proximalGradient(global, 0.1)([['layer.weight', w]]);
    // 0.5 + 0.1 (1 - 0), 0 + 0.1 (2 - 2), -1 + 0.1 (3 - 5)
    expect(Array.from(w.grad.data)).toEqual([0.6, 0, -1.2].map(Math.fround));
    expectError(() => proximalGradient(global, 0.1)([['other.weight', w]]), FormatError, /^proximal term: parameter other\.weight must be in the global model with 3 values and have a gradient, got no such tensor/);
  });

  it('keeps a local run near the global model: the update shrinks as mu grows', () => {
    const kind = federatedKind(smallConfig());
    const global = kind.initialModel(0);
    const layout = layoutOf(global.state);
    const base = flatten(global.state, layout);
    const data = hostRows(300, 5);
    const norm = (mu: number): number => {
      const run = kind.train(global, data, { epochs: 2, seed: 1, ...(mu > 0 ? { adjustGradients: proximalGradient(global, mu) } : {}) });
      const w = flatten(run.weights, layout);
      let sq = 0;
      for (let j = 0; j < w.length; j++) sq += (w[j]! - base[j]!) ** 2;
      return Math.sqrt(sq);
    };
    const free = norm(0);
    const held = norm(100);
    expect(held).toBeLessThan(0.5 * free);
  });
});
