/** Parameter-free activation modules; each wraps one autograd op. */
import { InvalidOptionError } from '../errors.js';
import { type Var, gelu, relu, sigmoid, tanh } from '../autograd/index.js';
import { Module } from './module.js';

/** `max(x, 0)` elementwise. */
export class ReLU extends Module {
  forward(x: Var): Var {
    return relu(x);
  }
}

/** Options of {@link GELU}. */
export interface GELUOptions {
  /** `'none'` (default): `0.5 x (1 + erf(x / sqrt 2))`; `'tanh'`: the tanh approximation (torch's `approximate`). */
  approximate?: 'none' | 'tanh';
}

/** GELU (Hendrycks & Gimpel 2016, https://arxiv.org/abs/1606.08415), exact or tanh form as torch.nn.GELU. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  /** @throws InvalidOptionError for an unknown `approximate` */
  constructor(options: GELUOptions = {}) {
    super();
    const a = options.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') {
      throw new InvalidOptionError(`GELU: approximate must be 'none' or 'tanh', got ${String(a)}`, 'approximate');
    }
    this.approximate = a;
  }

  forward(x: Var): Var {
    return gelu(x, { approximate: this.approximate });
  }
}

/** `tanh(x)` elementwise. */
export class Tanh extends Module {
  forward(x: Var): Var {
    return tanh(x);
  }
}

/** `1 / (1 + e^-x)` elementwise. */
export class Sigmoid extends Module {
  forward(x: Var): Var {
    return sigmoid(x);
  }
}
