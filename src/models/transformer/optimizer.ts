/**
 * The transformer's optimizer, chosen by its `optimizer` option (config.yaml `training.optimizer`).
 * Adam is the default; plain or momentum SGD is there for federated local training, where the
 * analyses of SCAFFOLD (https://arxiv.org/abs/1910.06378) and of server-side adaptive optimizers
 * (FedOpt, Reddi et al. 2021, https://arxiv.org/abs/2003.00295) assume SGD clients.
 */
import type { Var } from '../../autograd/index.js';
import type { Optimizer } from '../../nn/index.js';
import { buildOptimizer } from '../optimizer.js';
import type { ResolvedTransformerOptions } from './options.js';

/**
 * `sgd`: torch.optim.SGD with `momentum` and `weightDecay` as an L2 term. `adam` and `adamw`: Adam,
 * or AdamW (decoupled decay) when `weightDecay` > 0 — the transformer's rule from before it had
 * this option, so an `adam` config with weight decay trains as it did.
 */
export function transformerOptimizer(params: readonly Var[], o: ResolvedTransformerOptions): Optimizer {
  const kind = o.optimizer === 'adam' && o.weightDecay > 0 ? 'adamw' : o.optimizer;
  return buildOptimizer(kind, params, o);
}
