/** Mean squared error loss, optionally over a subset of feature columns. */
import { InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/index.js';
import { type Var, mseLoss, mul, pow, scale, sub, sum } from '../autograd/index.js';

export interface MSELossOptions {
  /**
   * Feature columns (indices into the last dim) the mean runs over; `null` (default) = all, which is
   * torch.nn.MSELoss(reduction='mean').
   */
  features?: readonly number[] | null;
}

/**
 * `mean((input - target)^2)` over all elements, or over the columns `features` of every row:
 * `sum_{rows, j in features} (input - target)^2 / (rows * |features|)`. Returns a 0-d Var.
 */
export class MSELoss {
  readonly features: readonly number[] | null;

  /** @throws InvalidOptionError for an empty or non-integer feature list */
  constructor(options: MSELossOptions = {}) {
    const f = options.features ?? null;
    if (f !== null && (f.length === 0 || f.some((j) => !Number.isInteger(j) || j < 0))) {
      throw new InvalidOptionError(`MSELoss: features must be a non-empty list of non-negative integers, got [${f.join(', ')}]`, 'features');
    }
    this.features = f;
  }

  /** @throws ShapeError when the shapes differ or a feature index is out of range */
  forward(input: Var, target: Var): Var {
    if (this.features === null) return mseLoss(input, target);
    const d = input.shape[input.shape.length - 1] ?? 0;
    if (input.shape.length === 0 || input.shape.some((s, i) => s !== target.shape[i]) || input.shape.length !== target.shape.length) {
      throw new ShapeError(`MSELoss: input and target shapes must match, got ${fmtShape(input.shape)} and ${fmtShape(target.shape)}`, 'MSELoss', [input.shape, target.shape]);
    }
    const mask = new Float32Array(d);
    for (const j of this.features) {
      if (j >= d) throw new ShapeError(`MSELoss: feature index must be < ${d}, got ${j}`, 'MSELoss', [input.shape]);
      mask[j] = 1;
    }
    const rows = input.size / d;
    const err = mul(pow(sub(input, target), 2), new Tensor(mask, [d]));
    return scale(sum(err), 1 / (rows * this.features.length));
  }
}
