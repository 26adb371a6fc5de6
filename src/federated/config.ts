/**
 * The federated settings: the `federated:` section of config.yaml, whose keys, defaults and per-key
 * checks live in the one config key table (src/config); here are the rules between keys that the
 * federated code needs (fixed-point ranges, secure-aggregation sizes), checked where a server or
 * client starts. docs/federated.md lists the keys.
 */
import { defaultConfig, type FederatedAggregation, type FederatedSettings } from '../config/index.js';
import { InvalidOptionError } from '../errors.js';
import { checkFixedPoint, maxSummands } from './fixed-point.js';

/** The complete federated configuration (config.yaml's `federated:` section, camelCase). */
export type FederatedConfig = FederatedSettings;
export type Aggregation = FederatedAggregation;

/** A fresh copy of the defaults. */
export function defaultFederatedConfig(): FederatedConfig {
  return defaultConfig().federated;
}

/**
 * Checks the rules between keys (a complete config, e.g. built in code).
 * @throws InvalidOptionError naming the keys in conflict
 */
export function checkFederatedConfig(c: FederatedConfig, source = 'federated config'): void {
  const fail = (key: string, msg: string): never => {
    throw new InvalidOptionError(`${source}: federated.${msg}`, key);
  };
  if (c.minClients > c.maxClients) fail('min_clients', `min_clients must be at most max_clients = ${c.maxClients}, got ${c.minClients}`);
  if (c.secureAggregation) {
    if (c.aggregation !== 'fedavg') fail('aggregation', `aggregation must be 'fedavg' with secure_aggregation (the server sees only the sum), got '${c.aggregation}'`);
    checkFixedPoint(c.secagg, `${source}: federated.secagg`);
    const most = maxSummands(c.secagg);
    if (c.maxClients > most) fail('max_clients', `max_clients must be at most ${most} with secure_aggregation (sums of quantization_range ${c.secagg.quantizationRange} must not wrap modulo 2^32), got ${c.maxClients}`);
    const { numShares, reconstructionThreshold: t } = c.secagg;
    if (numShares !== 0 && (numShares < 3 || numShares % 2 === 0)) fail('secagg.num_shares', `secagg.num_shares must be 0 (all) or an odd integer >= 3, got ${numShares}`);
    if (numShares !== 0 && t > numShares) fail('secagg.reconstruction_threshold', `secagg.reconstruction_threshold must be at most num_shares = ${numShares}, got ${t}`);
    if (c.minClients < 2) fail('min_clients', `min_clients must be at least 2 with secure_aggregation (one client's sum is its update), got ${c.minClients}`);
  }
  if (c.dp.noiseMultiplier > 0 && c.aggregation !== 'fedavg') {
    fail('dp.noise_multiplier', `dp.noise_multiplier must be 0 with aggregation '${c.aggregation}' (the accountant covers the clipped mean only), got ${c.dp.noiseMultiplier}`);
  }
  if ((c.tls.cert === null) !== (c.tls.key === null)) fail('tls', 'tls.cert and tls.key must be given together, got only one');
  if (c.retry.initialS > c.retry.maxS) fail('retry.initial_s', `retry.initial_s must be at most retry.max_s = ${c.retry.maxS}, got ${c.retry.initialS}`);
}

/**
 * The secure-aggregation share count and threshold for `n` participants: num_shares 0 or >= n
 * means everyone; the threshold defaults to floor(2 k / 3) + 1, at least 2.
 */
export function secaggSharing(c: FederatedConfig, n: number): { shares: number; threshold: number } {
  const shares = c.secagg.numShares === 0 || c.secagg.numShares >= n ? n : c.secagg.numShares;
  const t = c.secagg.reconstructionThreshold === 0 ? Math.floor((2 * shares) / 3) + 1 : c.secagg.reconstructionThreshold;
  return { shares, threshold: Math.max(2, Math.min(t, shares)) };
}
