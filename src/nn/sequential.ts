/** A chain of modules applied in order. */
import type { Var } from '../autograd/index.js';
import { Module } from './module.js';

/**
 * `Sequential(m0, m1, ...)`: `forward(x) = m_last(... m1(m0(x)))`. Children are named `0`, `1`, ...
 * as in torch.nn.Sequential, so parameters read `0.weight`, `2.bias`, ... (activations own none).
 */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  forward(x: Var): Var {
    let h = x;
    for (const m of this.layers) h = m.forward(h);
    return h;
  }
}
