/** Gradient clipping by global L2 norm (torch.nn.utils.clip_grad_norm_, 1.13). */
import { InvalidOptionError } from '../errors.js';
import type { Var } from '../autograd/index.js';

/**
 * Computes the L2 norm of all gradients together (as if concatenated into one vector) and, when
 * `maxNorm / (norm + 1e-6) < 1`, scales every gradient in place by that factor (torch's rule).
 * Parameters without a gradient are ignored. The sum of squares is accumulated in float64.
 * @returns the total norm before clipping (may be NaN/Infinity; then the gradients are scaled to NaN as in torch)
 * @throws InvalidOptionError unless maxNorm is a finite number > 0
 */
export function clipGradNorm(params: Iterable<Var>, maxNorm: number): number {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) {
    throw new InvalidOptionError(`clipGradNorm: maxNorm must be a finite number > 0, got ${maxNorm}`, 'maxNorm');
  }
  const grads: Float32Array[] = [];
  for (const p of params) if (p.grad !== undefined) grads.push(p.grad.data);
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1 || Number.isNaN(coef)) {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return norm;
}
