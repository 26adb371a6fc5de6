/**
 * FedProx's proximal term (Li et al. 2020, https://arxiv.org/abs/1812.06127): a client minimizes its
 * local loss plus μ/2 ‖w − w_global‖², so each step's gradient gains μ (w − w_global). It limits how
 * far a client drifts from the global model on data unlike the others' (docs/federated.md, "Non-IID
 * clients"). It acts through the model kind's `adjustGradients` hook, so the local training stays
 * the code of `dadm train`.
 */
import type { Var } from '../autograd/index.js';
import { FormatError } from '../errors.js';
import type { GlobalModel } from './model-file.js';

/**
 * The gradient hook of the proximal term around `global`, for a kind's `adjustGradients`.
 * @throws FormatError (when called) for a parameter the global model does not hold, or of another size
 */
export function proximalGradient(global: GlobalModel, mu: number): (named: readonly (readonly [string, Var])[]) => void {
  return (named) => {
    for (const [name, p] of named) {
      const anchor = global.state.get(name)?.data;
      const grad = p.grad?.data;
      if (anchor === undefined || grad === undefined || anchor.length !== p.data.length) {
        throw new FormatError(`proximal term: parameter ${name} must be in the global model with ${p.data.length} values and have a gradient, got ${anchor === undefined ? 'no such tensor' : `${anchor.length} values`}`, 'model');
      }
      const w = p.data;
      for (let k = 0; k < grad.length; k++) grad[k] = grad[k]! + mu * (w[k]! - anchor[k]!);
    }
  };
}
