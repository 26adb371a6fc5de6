/**
 * Rényi-DP accountant for the (Poisson-)subsampled Gaussian mechanism, as TF-Privacy and Opacus
 * compute it: Mironov, Talwar & Zhang 2019, "Rényi differential privacy of the sampled Gaussian
 * mechanism", https://arxiv.org/abs/1908.10530 (§3.3, integer orders), composed over rounds, then
 * converted to (ε, δ) with Balle et al. 2020, Theorem 21 (https://arxiv.org/abs/1905.09982):
 * `ε = rdp(α) + log((α-1)/α) - (log δ + log α) / (α - 1)`, minimized over the orders.
 * Only integer orders are supported (the closed form needs no erfc integrals).
 */
import { InvalidOptionError } from '../errors.js';

/** Default orders: 2..64 and a few large ones for tiny ε. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([...Array.from({ length: 63 }, (_, i) => i + 2), 80, 96, 128, 256]);

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/**
 * RDP of one step of the sampled Gaussian mechanism at integer order α:
 * `log A_α / (α - 1)`, `A_α = sum_i C(α,i) q^i (1-q)^(α-i) exp((i² - i) / 2σ²)`; α / 2σ² when q = 1.
 */
export function rdpSampledGaussian(q: number, sigma: number, order: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return order / (2 * sigma * sigma);
  let logA = -Infinity;
  let logBinom = 0;
  for (let i = 0; i <= order; i++) {
    if (i > 0) logBinom += Math.log(order - i + 1) - Math.log(i);
    logA = logAdd(logA, logBinom + i * Math.log(q) + (order - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma));
  }
  return logA / (order - 1);
}

/** Options of {@link privacySpent}. */
export interface PrivacyOptions {
  /** Sampling probability of each client per round (1 = every client every round). */
  q: number;
  /** σ: noise std divided by the L2 sensitivity (the clip bound). */
  noiseMultiplier: number;
  /** Mechanism applications (rounds). */
  steps: number;
  /** Target δ. */
  delta: number;
  /** Integer orders ≥ 2; default {@link DEFAULT_RDP_ORDERS}. */
  orders?: readonly number[];
}

/**
 * RDP of `steps` applications at each order (composition adds RDP; add the curves of different
 * mechanisms before {@link epsilonFromRdp}).
 * @throws InvalidOptionError for q outside [0, 1], a negative σ, negative steps or a non-integer order
 */
export function rdpCurve(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): Float64Array {
  if (!(q >= 0 && q <= 1)) throw new InvalidOptionError(`privacy accountant: q must be in [0, 1], got ${q}`, 'q');
  if (!(sigma >= 0)) throw new InvalidOptionError(`privacy accountant: noise_multiplier must be >= 0, got ${sigma}`, 'noise_multiplier');
  if (!Number.isInteger(steps) || steps < 0) throw new InvalidOptionError(`privacy accountant: steps must be a non-negative integer, got ${steps}`, 'steps');
  checkOrders(orders);
  return Float64Array.from(orders, (a) => (steps === 0 ? 0 : steps * rdpSampledGaussian(q, sigma, a)));
}

/**
 * (ε, δ) from an RDP curve: the smallest ε over the orders, and the order reaching it.
 * @throws InvalidOptionError for δ outside (0, 1) or mismatched lengths
 */
export function epsilonFromRdp(orders: readonly number[], rdp: ArrayLike<number>, delta: number): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new InvalidOptionError(`privacy accountant: delta must be in (0, 1), got ${delta}`, 'delta');
  checkOrders(orders);
  if (rdp.length !== orders.length) throw new InvalidOptionError(`privacy accountant: rdp must have one value per order (${orders.length}), got ${rdp.length}`, 'rdp');
  let best = { epsilon: Infinity, order: orders[0]! };
  orders.forEach((a, k) => {
    const eps = rdp[k]! + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), order: a };
  });
  return best;
}

/** (ε, δ) after `steps` rounds of one sampled Gaussian mechanism. @throws InvalidOptionError as {@link rdpCurve} / {@link epsilonFromRdp} */
export function privacySpent(opts: PrivacyOptions): { epsilon: number; order: number } {
  const orders = opts.orders ?? DEFAULT_RDP_ORDERS;
  return epsilonFromRdp(orders, rdpCurve(opts.q, opts.noiseMultiplier, opts.steps, orders), opts.delta);
}

function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0 || orders.some((a) => !Number.isInteger(a) || a < 2)) {
    throw new InvalidOptionError(`privacy accountant: orders must be integers >= 2, got [${orders.join(', ')}]`, 'orders');
  }
}
