/**
 * The `federated:` section of config.yaml (or a standalone fl.yaml): every key, its default and its
 * check, in one table. YAML keys are snake_case, fields camelCase; docs/federated.md lists them.
 */
import { InvalidOptionError } from '../errors.js';
import { describe } from './bytes.js';
import { MAX_EXACT_WEIGHT } from './exact-sum.js';
import { checkFixedPoint, maxSummands } from './fixed-point.js';

export type Aggregation = 'fedavg' | 'median' | 'trimmed-mean';

/** The complete federated configuration. */
export interface FederatedConfig {
  /** Aggregations to commit before the server stops. */
  rounds: number;
  /** Quorum: fewer accepted clients abort the round (the global model stays). */
  minClients: number;
  /** Most enrolled clients the server accepts. */
  maxClients: number;
  /** Probability that a client is selected in a round (Poisson sampling; 1 = all). */
  clientFraction: number;
  /** Local epochs per round on each client. */
  localEpochs: number;
  /** Seconds a round waits for updates (local training included) before it closes. */
  roundTimeoutS: number;
  /** Seconds each later secure-aggregation step waits. */
  phaseTimeoutS: number;
  /** Seconds one HTTP request may take to arrive (headers and body). */
  requestTimeoutS: number;
  /** Largest request body; 0 = derived from the model size. */
  maxBodyBytes: number;
  /** L2 bound of a client's update: clients clip to it, the server rejects above it. */
  clipNorm: number;
  /** Sample counts above this are capped (the weight, not the rejection). */
  maxSamplesPerClient: number;
  aggregation: Aggregation;
  /** Fraction cut from each end per coordinate for trimmed-mean. */
  trimFraction: number;
  /** Aborted rounds in a row after which the server gives up. */
  maxAbortedRounds: number;
  secureAggregation: boolean;
  secagg: {
    /** Neighbours each client shares its secrets with, itself included (odd; 0 = all clients). */
    numShares: number;
    /** Shares needed to reconstruct a secret (0 = floor(2/3 of num_shares) + 1). */
    reconstructionThreshold: number;
    /** c: coordinates are clipped to [-c, c] before quantization. */
    clippingRange: number;
    /** R: quantized values lie in [0, R - 1]. */
    quantizationRange: number;
  };
  dp: {
    /** σ: Gaussian noise std on the sum is σ · clip_norm; 0 = no differential privacy. */
    noiseMultiplier: number;
    /** δ at which ε is reported. */
    delta: number;
  };
  tls: { cert: string | null; key: string | null };
  /** Client retries: first backoff, largest backoff, and how long to keep trying before failing. */
  retry: { initialS: number; maxS: number; giveUpS: number };
  /** Longest a client's long-poll request waits for a change. */
  pollWaitS: number;
}

/** A fresh copy of the defaults. */
export function defaultFederatedConfig(): FederatedConfig {
  return {
    rounds: 5,
    minClients: 2,
    maxClients: 1000,
    clientFraction: 1,
    localEpochs: 1,
    roundTimeoutS: 300,
    phaseTimeoutS: 30,
    requestTimeoutS: 30,
    maxBodyBytes: 0,
    clipNorm: 10,
    maxSamplesPerClient: 10_000,
    aggregation: 'fedavg',
    trimFraction: 0.1,
    maxAbortedRounds: 3,
    secureAggregation: false,
    secagg: { numShares: 0, reconstructionThreshold: 0, clippingRange: 8, quantizationRange: 2 ** 22 },
    dp: { noiseMultiplier: 0, delta: 1e-5 },
    tls: { cert: null, key: null },
    retry: { initialS: 0.2, maxS: 5, giveUpS: 120 },
    pollWaitS: 10,
  };
}

type Check = (v: unknown) => boolean;
const int = (lo: number, hi = Number.MAX_SAFE_INTEGER): Check => (v) => Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;
const num = (lo: number, hi = Infinity, openLo = false): Check => (v) => typeof v === 'number' && Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi;
const oneOf = (...xs: unknown[]): Check => (v) => xs.includes(v);
const bool: Check = (v) => typeof v === 'boolean';
const pathOrNull: Check = (v) => v === null || (typeof v === 'string' && v.length > 0);

/** Key path (snake_case) -> [field path, check, what the check demands]. */
const FIELDS: Record<string, [string, Check, string]> = {
  rounds: ['rounds', int(1, 100_000), 'an integer in [1, 100000]'],
  min_clients: ['minClients', int(1), 'a positive integer'],
  max_clients: ['maxClients', int(1, 100_000), 'an integer in [1, 100000]'],
  client_fraction: ['clientFraction', num(0, 1, true), 'a number in (0, 1]'],
  local_epochs: ['localEpochs', int(1, 10_000), 'an integer in [1, 10000]'],
  round_timeout_s: ['roundTimeoutS', num(0, 86_400, true), 'a number of seconds in (0, 86400]'],
  phase_timeout_s: ['phaseTimeoutS', num(0, 86_400, true), 'a number of seconds in (0, 86400]'],
  request_timeout_s: ['requestTimeoutS', num(0, 3600, true), 'a number of seconds in (0, 3600]'],
  max_body_bytes: ['maxBodyBytes', int(0, 2 ** 31), 'an integer in [0, 2^31] (0 = from the model size)'],
  clip_norm: ['clipNorm', num(0, 1e6, true), 'a positive number'],
  max_samples_per_client: ['maxSamplesPerClient', int(1, MAX_EXACT_WEIGHT - 1), 'an integer in [1, 2^29)'],
  aggregation: ['aggregation', oneOf('fedavg', 'median', 'trimmed-mean'), "'fedavg', 'median' or 'trimmed-mean'"],
  trim_fraction: ['trimFraction', num(0, 0.5), 'a number in [0, 0.5)'],
  max_aborted_rounds: ['maxAbortedRounds', int(1, 1000), 'an integer in [1, 1000]'],
  secure_aggregation: ['secureAggregation', bool, 'true or false'],
  'secagg.num_shares': ['secagg.numShares', int(0, 100_000), 'an integer >= 0 (0 = all clients)'],
  'secagg.reconstruction_threshold': ['secagg.reconstructionThreshold', int(0, 100_000), 'an integer >= 0 (0 = 2/3 of num_shares + 1)'],
  'secagg.clipping_range': ['secagg.clippingRange', num(0, 1e6, true), 'a positive number'],
  'secagg.quantization_range': ['secagg.quantizationRange', int(2, 2 ** 31), 'an integer in [2, 2^31]'],
  'dp.noise_multiplier': ['dp.noiseMultiplier', num(0, 1e6), 'a number >= 0 (0 = off)'],
  'dp.delta': ['dp.delta', num(0, 1, true), 'a number in (0, 1)'],
  'tls.cert': ['tls.cert', pathOrNull, 'a file path or null'],
  'tls.key': ['tls.key', pathOrNull, 'a file path or null'],
  'retry.initial_s': ['retry.initialS', num(0, 3600, true), 'a positive number of seconds'],
  'retry.max_s': ['retry.maxS', num(0, 3600, true), 'a positive number of seconds'],
  'retry.give_up_s': ['retry.giveUpS', num(0, 86_400, true), 'a positive number of seconds'],
  poll_wait_s: ['pollWaitS', num(0, 60, true), 'a number of seconds in (0, 60]'],
};

/** Every YAML key with its default, for docs and `init-config`. */
export const FEDERATED_KEYS: readonly string[] = Object.freeze(Object.keys(FIELDS));

/**
 * Merges a parsed YAML object (snake_case keys, nested sections) over the defaults and checks the result.
 * @param source names the file in messages, e.g. `fl.yaml`
 * @throws InvalidOptionError `<source>: federated.<key> must be <constraint>, got <value>` for an
 *   unknown key, a wrong value, or values that contradict each other
 */
export function parseFederatedConfig(doc: unknown, source = 'fl.yaml'): FederatedConfig {
  const config = defaultFederatedConfig();
  const visit = (value: unknown, prefix: string): void => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidOptionError(`${source}: federated${prefix ? `.${prefix}` : ''} must be a mapping, got ${describe(value)}`, prefix);
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = prefix ? `${prefix}.${k}` : k;
      const field = FIELDS[key];
      if (field === undefined) {
        if (!prefix && ['secagg', 'dp', 'tls', 'retry'].includes(k)) {
          visit(v, k);
          continue;
        }
        throw new InvalidOptionError(`${source}: federated.${key} must be a known key (${FEDERATED_KEYS.join(', ')}), got an unknown key`, key);
      }
      const [path, check, demand] = field;
      if (!check(v)) throw new InvalidOptionError(`${source}: federated.${key} must be ${demand}, got ${describe(v)}`, key);
      setPath(config, path, v);
    }
  };
  visit(doc, '');
  checkFederatedConfig(config, source);
  return config;
}

function setPath(target: object, path: string, value: unknown): void {
  const parts = path.split('.');
  let obj = target as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) obj = obj[p] as Record<string, unknown>;
  obj[parts.at(-1)!] = value;
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
