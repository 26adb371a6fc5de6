/**
 * Optimizer base class. As in tinygrad's `nn/optim.py`, hyperparameters are validated once here and
 * subclasses only implement `step`. Parameters are autograd leaves: `p.data` (the parameter's
 * Float32Array) is updated in place from `p.grad.data`; a parameter whose `grad` is undefined is
 * skipped, as torch skips `grad is None`. State is kept per parameter in Float32Arrays, like torch's
 * float32 state for float32 parameters.
 */
import { LEARNING_RATE } from '../checks.js';
import { InvalidOptionError } from '../errors.js';
import { Tensor } from '../tensor/index.js';
import type { Var } from '../autograd/index.js';

/** Every hyperparameter any optimizer takes; each subclass passes the ones it uses. */
export interface Hyperparameters {
  lr: number;
  weightDecay?: number;
  momentum?: number;
  dampening?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Allowed range per hyperparameter: [test, description for the message]. */
const RULES: { readonly [K in keyof Hyperparameters]-?: readonly [(v: number) => boolean, string] } = {
  // The one learning-rate rule, shared with config.yaml's training.learning_rate.
  lr: [(v) => LEARNING_RATE.test(v), `be ${LEARNING_RATE.allowed}`],
  weightDecay: [(v) => v >= 0 && Number.isFinite(v), 'be a finite number >= 0'],
  momentum: [(v) => v >= 0 && Number.isFinite(v), 'be a finite number >= 0'],
  dampening: [(v) => v >= 0 && v <= 1, 'be in [0, 1]'],
  beta1: [(v) => v >= 0 && v < 1, 'be in [0, 1)'],
  beta2: [(v) => v >= 0 && v < 1, 'be in [0, 1)'],
  eps: [(v) => v >= 0 && Number.isFinite(v), 'be a finite number >= 0'],
};

export abstract class Optimizer {
  /** The parameters, in the order given (state arrays follow this order). */
  readonly params: readonly Var[];
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;

  /**
   * Messages name the concrete class (`new.target`), e.g. "AdamW: lr must ...".
   * @throws InvalidOptionError for an empty parameter list or a hyperparameter out of range
   */
  protected constructor(params: Iterable<Var>, hyper: Hyperparameters) {
    const where = new.target.name;
    this.params = [...params];
    if (this.params.length === 0) {
      throw new InvalidOptionError(`${where}: params must contain at least one parameter, got an empty list`, 'params');
    }
    for (const key of Object.keys(RULES) as (keyof Hyperparameters)[]) {
      const v = hyper[key];
      if (v === undefined) continue;
      const [ok, rule] = RULES[key];
      if (typeof v !== 'number' || !ok(v)) throw new InvalidOptionError(`${where}: ${key} must ${rule}, got ${v}`, key);
    }
    this.lr = hyper.lr;
  }

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /**
   * Zeroes every gradient in place, keeping its buffer (torch 1.13's default `set_to_none=False`);
   * a parameter without a gradient gets a zero one, so fused training steps can write into it.
   */
  zeroGrad(): void {
    for (const p of this.params) {
      if (p.grad === undefined) p.grad = new Tensor(new Float32Array(p.size), p.shape);
      else p.grad.data.fill(0);
    }
  }
}

/** Zero-filled per-parameter state buffers, one per parameter. */
export function stateLike(params: readonly Var[]): Float32Array[] {
  return params.map((p) => new Float32Array(p.size));
}
