import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { checkFederatedConfig, defaultFederatedConfig } from '../../src/federated/index.js';
import { splitClients } from '../../src/federated/split.js';
import { configToYaml, defaultConfig, defaultConfigYaml, parseConfig } from '../../src/pipeline/index.js';
import { expectError } from '../tensor/expect-error.js';

/** The federated section of a config.yaml text, checked as a server checks it. */
const federated = (yaml: string) => {
  const c = parseConfig(yaml, 'fl.yaml').federated;
  checkFederatedConfig(c, 'fl.yaml');
  return c;
};

describe('federated config (config.yaml federated: section)', () => {
  it('merges snake_case keys over the defaults, subsections included', () => {
    const c = federated('federated:\n  rounds: 7\n  min_clients: 3\n  secure_aggregation: true\n  secagg: {num_shares: 5, reconstruction_threshold: 3}\n  dp: {noise_multiplier: 0.8}\n');
    expect(c).toMatchObject({ rounds: 7, minClients: 3, secureAggregation: true, secagg: { numShares: 5, reconstructionThreshold: 3, clippingRange: 8, quantizationRange: 4194304 }, dp: { noiseMultiplier: 0.8, delta: 1e-5 } });
    expect(federated('')).toEqual(defaultFederatedConfig());
  });

  it('is in the commented init-config template and the canonical YAML, which read back to the same config', () => {
    const template = defaultConfigYaml();
    expect(template).toMatch(/\nfederated:\n/);
    expect(template).toMatch(/\n  # secure aggregation \(Bonawitz et al\. 2017 on the SecAgg\+ graph\)\n  secagg:\n    # neighbours each client/);
    expect(template).toMatch(/\n  tls:\n(.*\n){1}    cert: null\n/);
    expect(parseConfig(template)).toEqual(defaultConfig());
    const c = parseConfig('federated: {rounds: 9, tls: {cert: a.pem, key: b.pem}, retry: {give_up_s: 30}}');
    expect(parseConfig(configToYaml(c))).toEqual(c);
  });

  it('names the key for an unknown key, a bad value and contradicting keys', () => {
    expectError(() => federated('federated: {round: 3}'), InvalidOptionError, /^fl\.yaml: unknown key federated\.round \(did you mean federated\.rounds\?\); allowed: rounds, /);
    expectError(() => federated('federated: {secagg: {num_share: 3}}'), InvalidOptionError, /^fl\.yaml: unknown key federated\.secagg\.num_share \(did you mean federated\.secagg\.num_shares\?\)/);
    expectError(() => federated('federated: {client_fraction: 0}'), InvalidOptionError, /^fl\.yaml: federated\.client_fraction must be a number in \(0, 1\], got 0$/);
    expectError(() => federated('federated: {dp: 3}'), InvalidOptionError, /^fl\.yaml: federated\.dp must be a mapping of keys, got 3$/);
    expectError(() => federated('federated: {secure_aggregation: true, aggregation: median}'), InvalidOptionError, /aggregation must be 'fedavg' with secure_aggregation/);
    expectError(() => federated('federated: {secure_aggregation: true, secagg: {num_shares: 4}}'), InvalidOptionError, /secagg\.num_shares must be 0 \(all\) or an odd integer >= 3, got 4/);
    expectError(() => federated('federated: {secure_aggregation: true, max_clients: 2000}'), InvalidOptionError, /max_clients must be at most 1024 with secure_aggregation/);
    expectError(() => federated('federated: {aggregation: median, dp: {noise_multiplier: 1}}'), InvalidOptionError, /dp\.noise_multiplier must be 0 with aggregation 'median'/);
    expectError(() => federated('federated: {tls: {cert: c.pem}}'), InvalidOptionError, /tls\.cert and tls\.key must be given together/);
  });
});

describe('data splits', () => {
  it('iid: a seeded shuffle cut into equal shards covering every row once', () => {
    const shards = splitClients(10, 3, 'iid', 1);
    expect(shards.map((s) => s.length)).toEqual([3, 3, 4]);
    expect([...shards.flatMap((s) => [...s])].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(splitClients(10, 3, 'iid', 1)).toEqual(shards);
  });

  it('by-profile: rows sorted by profile, contiguous shards', () => {
    const profile = [2, 0, 1, 0, 2, 1];
    expect(splitClients(6, 3, 'by-profile', 0, profile).map((s) => [...s])).toEqual([[1, 3], [2, 5], [0, 4]]);
    expectError(() => splitClients(6, 3, 'by-profile', 0), InvalidOptionError, /split by-profile needs a profile per row/);
  });

  it('by-host: a host never spans two clients', () => {
    const hosts = [5, 5, 5, 7, 7, 9, 9, 9, 9, 11];
    const shards = splitClients(10, 3, 'by-host', 2, hosts);
    const owner = new Map<number, number>();
    shards.forEach((s, k) => s.forEach((r) => {
      expect(owner.get(hosts[r]!) ?? k).toBe(k);
      owner.set(hosts[r]!, k);
    }));
    expect(shards.reduce((n, s) => n + s.length, 0)).toBe(10);
    expect(splitClients(9, 3, 'by-host', 0).map((s) => [...s])).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  });
});
