/** Inverted dropout (Srivastava et al. 2014, https://jmlr.org/papers/v15/srivastava14a.html). */
import { InvalidOptionError } from '../errors.js';
import { type Random, Tensor } from '../tensor/index.js';
import { type Var, mul } from '../autograd/index.js';
import { Module } from './module.js';

/**
 * In training mode each element is zeroed with probability `p` and the survivors are scaled by
 * `1 / (1 - p)` (torch.nn.Dropout), so the expectation is unchanged; in eval mode (`training`
 * false) it is the identity. The mask comes from the `rng` given at construction.
 */
export class Dropout extends Module {
  /** @throws InvalidOptionError unless 0 <= p <= 1 */
  constructor(readonly p: number, private readonly rng: Random) {
    super();
    if (!(p >= 0 && p <= 1)) throw new InvalidOptionError(`Dropout: p must be in [0, 1], got ${p}`, 'p');
  }

  forward(x: Var): Var {
    if (!this.training || this.p === 0) return x;
    const mask = new Float32Array(x.size);
    // p = 1 zeroes everything (torch returns zeros too), so the scale is never used then.
    const keep = this.p === 1 ? 0 : 1 / (1 - this.p);
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.next() < this.p ? 0 : keep;
    return mul(x, new Tensor(mask, x.shape));
  }
}
