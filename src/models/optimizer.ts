/** The optimizer a `training.optimizer` name stands for: one rule for every kind that trains by steps. */
import type { OptimizerKind } from '../config/index.js';
import { Adam, AdamW, SGD, type Optimizer } from '../nn/index.js';
import type { Var } from '../autograd/index.js';

/** The step hyperparameters config.yaml's `training` section gives an optimizer. */
export interface OptimizerSettings {
  learningRate: number;
  /** SGD only. */
  momentum: number;
  /** L2 term for `sgd` and `adam`, decoupled decay for `adamw`. */
  weightDecay: number;
}

/** `sgd`: torch.optim.SGD with momentum; `adam`: torch.optim.Adam; `adamw`: torch.optim.AdamW. */
export function buildOptimizer(kind: OptimizerKind, params: readonly Var[], s: OptimizerSettings): Optimizer {
  if (kind === 'sgd') return new SGD(params, { lr: s.learningRate, momentum: s.momentum, weightDecay: s.weightDecay });
  const Cls = kind === 'adamw' ? AdamW : Adam;
  return new Cls(params, { lr: s.learningRate, weightDecay: s.weightDecay });
}
