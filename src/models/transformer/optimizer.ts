/**
 * The transformer's optimizer, chosen by its `optimizer` option (config.yaml `training.optimizer`).
 * Adam is the default; plain or momentum SGD is there for federated local training, where the
 * analyses of SCAFFOLD (https://arxiv.org/abs/1910.06378) and of server-side adaptive optimizers
 * (FedOpt, Reddi et al. 2021, https://arxiv.org/abs/2003.00295) assume SGD clients.
 */
import { Adam, AdamW, SGD, type Optimizer } from '../../nn/index.js';
import type { Var } from '../../autograd/index.js';
import type { ResolvedTransformerOptions } from './options.js';

/**
 * `sgd`: torch.optim.SGD with `momentum` and `weightDecay` as an L2 term. `adam` and `adamw`: Adam,
 * or AdamW (decoupled decay) when `weightDecay` > 0 — the transformer's rule from before it had
 * this option, so an `adam` config with weight decay trains as it did.
 */
export function transformerOptimizer(params: readonly Var[], o: ResolvedTransformerOptions): Optimizer {
  if (o.optimizer === 'sgd') return new SGD(params, { lr: o.learningRate, momentum: o.momentum, weightDecay: o.weightDecay });
  return o.weightDecay > 0 ? new AdamW(params, { lr: o.learningRate, weightDecay: o.weightDecay }) : new Adam(params, { lr: o.learningRate });
}
