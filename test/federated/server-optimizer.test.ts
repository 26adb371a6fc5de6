import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { FederatedServer, ServerOptimizer, checkFederatedConfig, federatedKind } from '../../src/federated/index.js';
import { parseConfig } from '../../src/pipeline/index.js';
import { expectError } from '../tensor/expect-error.js';
import { hostRows, makeParty, runInProcess, runWithServerSwap, smallConfig, tempDir, testFlConfig } from './helpers.js';

describe('ServerOptimizer (FedOpt, Reddi et al. 2021, Algorithm 2)', () => {
  const delta = Float64Array.from([0.5, -2]);

  it('fedavg at server_lr 1 returns the aggregate itself (plain FedAvg, bit for bit); server_lr scales it', () => {
    const plain = new ServerOptimizer(testFlConfig(), 2, null);
    expect(plain.step(delta)).toBe(delta);
    expect(plain.stateful).toBe(false);
    expect([...new ServerOptimizer(testFlConfig({ serverLr: 2 }), 2, null).step(delta)]).toEqual([1, -4]);
  });

  it('fedavgm: m = beta m + delta, step = lr m', () => {
    const opt = new ServerOptimizer(testFlConfig({ serverOptimizer: 'fedavgm', serverLr: 0.5, serverMomentum: 0.9 }), 2, null);
    expect([...opt.step(delta)]).toEqual([0.25, -1]);
    // m = 0.9 [0.5, -2] + [0.5, -2] = [0.95, -3.8]
    const second = opt.step(delta);
    expect(second[0]).toBeCloseTo(0.475, 12);
    expect(second[1]).toBeCloseTo(-1.9, 12);
  });

  it('fedadam: m = b1 m + (1 - b1) d, v = b2 v + (1 - b2) d^2, step = lr m / (sqrt(v) + tau)', () => {
    const opt = new ServerOptimizer(testFlConfig({ serverOptimizer: 'fedadam', serverLr: 0.1, serverMomentum: 0.9, serverBeta2: 0.99, serverTau: 0.001 }), 2, null);
    const first = opt.step(delta);
    // m = [0.05, -0.2], v = [0.0025, 0.04]: 0.1 * 0.05 / (0.05 + 0.001), 0.1 * -0.2 / (0.2 + 0.001)
    expect(first[0]).toBeCloseTo(0.005 / 0.051, 12);
    expect(first[1]).toBeCloseTo(-0.02 / 0.201, 12);
    const second = opt.step(Float64Array.from([0, 1]));
    // m = [0.045, -0.08], v = [0.002475, 0.0496]
    expect(second[0]).toBeCloseTo(0.0045 / (Math.sqrt(0.002475) + 0.001), 12);
    expect(second[1]).toBeCloseTo(-0.008 / (Math.sqrt(0.0496) + 0.001), 12);
  });

  it('its saved moments continue exactly where they stopped; a file of another optimizer is refused', () => {
    const config = testFlConfig({ serverOptimizer: 'fedadam', serverLr: 0.1 });
    const a = new ServerOptimizer(config, 2, null);
    a.step(delta);
    const b = new ServerOptimizer(config, 2, { bytes: a.encode(), source: 'opt.safetensors' });
    expect([...b.step(delta)]).toEqual([...a.step(delta)]);
    const momentum = new ServerOptimizer(testFlConfig({ serverOptimizer: 'fedavgm' }), 2, null).encode();
    expectError(() => new ServerOptimizer(config, 2, { bytes: momentum, source: 'opt.safetensors' }), FormatError, /^opt\.safetensors: server optimizer state must be 'dadm-federated-server-optimizer' of federated\.server_optimizer 'fedadam', got "dadm-federated-server-optimizer" of "fedavgm"/);
    expectError(() => new ServerOptimizer(config, 3, { bytes: a.encode(), source: 'opt.safetensors' }), FormatError, /^opt\.safetensors: tensor m must be F64 \[3\], got F64 \[2\]$/);
  });

  it('config keys are checked with typed errors', () => {
    const federated = (yaml: string) => {
      const c = parseConfig(yaml, 'fl.yaml').federated;
      checkFederatedConfig(c, 'fl.yaml');
      return c;
    };
    expect(federated('federated: {server_optimizer: fedadam, server_lr: 0.03, server_tau: 0.01}')).toMatchObject({ serverOptimizer: 'fedadam', serverLr: 0.03, serverMomentum: 0.9, serverBeta2: 0.99, serverTau: 0.01 });
    expectError(() => federated('federated: {server_optimizer: adam}'), InvalidOptionError, /^fl\.yaml: federated\.server_optimizer must be one of fedavg, fedavgm, fedadam, got 'adam'$/);
    expectError(() => federated('federated: {server_lr: 0}'), InvalidOptionError, /^fl\.yaml: federated\.server_lr must be /);
    expectError(() => federated('federated: {server_momentum: 1}'), InvalidOptionError, /^fl\.yaml: federated\.server_momentum must be a number in \[0, 1\), got 1$/);
    expectError(() => federated('federated: {server_beta2: -0.1}'), InvalidOptionError, /^fl\.yaml: federated\.server_beta2 must be a number in \[0, 1\), got -0\.1$/);
    expectError(() => federated('federated: {server_tau: 0}'), InvalidOptionError, /^fl\.yaml: federated\.server_tau must be /);
  });
});

describe('server with fedadam (in process)', () => {
  it('keeps the moments in the state dir with each round record; a server replaced after round 1 gives the final model of an uninterrupted run', async () => {
    const config = smallConfig();
    const kind = federatedKind(config);
    const party = makeParty(2);
    const fl = testFlConfig({ rounds: 2, serverOptimizer: 'fedadam', serverLr: 0.01 });
    const whole = tempDir();
    const cut = tempDir();
    try {
      const ref = await runInProcess({ party, stateDir: whole.dir, config: fl, data: [hostRows(200, 1), hostRows(200, 2)], kind });
      expect(ref.server.rounds.map((r) => r.status)).toEqual(['committed', 'committed', 'calibrated']);
      expect(readdirSync(join(whole.dir, 'models')).filter((n) => n.startsWith('server-optimizer')).sort()).toEqual(['server-optimizer-000001.safetensors', 'server-optimizer-000002.safetensors']);
      expect(ref.server.rounds[1]!.optimizerFile).toBe(join('models', 'server-optimizer-000002.safetensors'));
      expect(ref.server.rounds[1]!.stepNorm).not.toBeNull();
      // The same run, its server object dropped right after round 1 commits (as after kill -9) and
      // a new one opened on the state dir: it steps on from the saved moments.
      const summary = await runWithServerSwap({ party, stateDir: cut.dir, config: fl, data: [hostRows(200, 1), hostRows(200, 2)], kind, when: (s) => s.status.modelVersion >= 1 });
      expect(summary.modelSha256).toBe(ref.server.modelSha256);
      // A corrupted moments file stops the next start with a one-line FormatError naming it.
      const file = join(cut.dir, 'models', 'server-optimizer-000002.safetensors');
      writeFileSync(file, readFileSync(file).subarray(0, 40));
      expectError(() => FederatedServer.open({ stateDir: cut.dir, keys: party.server, enrollment: party.enrollment, config: { ...fl, rounds: 3 }, kind }), FormatError, /server-optimizer-000002\.safetensors: server optimizer state must match the sha256 [0-9a-f]{16}… recorded in round 3, got other bytes$/);
    } finally {
      whole.cleanup();
      cut.cleanup();
    }
  });
});
