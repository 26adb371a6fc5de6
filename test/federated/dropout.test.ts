import { describe, expect, it } from 'vitest';
import type { DropPoint } from '../../src/federated/index.js';
import { hostRows, makeParty, modelWeights as weights, runInProcess, tempDir, testFlConfig } from './helpers.js';

const DATA = Array.from({ length: 10 }, (_, i) => hostRows(60 + 10 * i, 100 + i));

describe('clients dropping mid-round', () => {
  it('plain: 3 of 10 clients crash after fetching the model; the round commits with the other 7', async () => {
    const party = makeParty(10);
    const { dir, cleanup } = tempDir();
    try {
      const dropAt: (DropPoint | undefined)[] = [];
      for (const i of [1, 4, 7]) dropAt[i] = { round: 1, after: 'fetch' };
      const run = await runInProcess({ party, stateDir: dir, config: testFlConfig({ rounds: 1, roundTimeoutS: 1.5 }), data: DATA, dropAt });
      const r = run.server.rounds[0]!;
      expect(r.status).toBe('committed');
      expect(r.accepted).toHaveLength(7);
      expect(r.missing).toEqual(['c02', 'c05', 'c08']);
      expect(run.clients.filter((c) => !(c instanceof Error) && c.status === 'dropped')).toHaveLength(3);
    } finally {
      cleanup();
    }
  });

  it('secure: clients dropping after advertising, after sharing and after the masked input still give the FedAvg of the inputs that arrived', async () => {
    const party = makeParty(10);
    const a = tempDir();
    const b = tempDir();
    try {
      const base = { rounds: 1, roundTimeoutS: 2, phaseTimeoutS: 1, maxSamplesPerClient: 150 };
      // The complete graph with threshold 5: the 7 clients left in the unmask step hold enough shares
      // of every seed whatever the ring order (a 5-neighbour SecAgg+ ring depends on the model hash,
      // and one holding all three dropped clients would rightly abort).
      const secureDrops: (DropPoint | undefined)[] = [];
      secureDrops[0] = { round: 1, after: 'advertise' };
      secureDrops[3] = { round: 1, after: 'shares' };
      secureDrops[6] = { round: 1, after: 'masked' };
      const secure = await runInProcess({ party, stateDir: b.dir, config: testFlConfig({ ...base, secureAggregation: true, secagg: { numShares: 0, reconstructionThreshold: 5, clippingRange: 8, quantizationRange: 2 ** 22 } }), data: DATA, dropAt: secureDrops });
      const r = secure.server.rounds[0]!;
      expect(r.status, r.reason ?? '').toBe('committed');
      // c07's masked input arrived before it crashed: it is in the sum (its self mask was rebuilt from shares).
      expect(r.accepted.map((o) => o.client)).toEqual(['c02', 'c03', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10']);
      // The same eight contributions in plain mode.
      const plainDrops: (DropPoint | undefined)[] = [];
      plainDrops[0] = { round: 1, after: 'fetch' };
      plainDrops[3] = { round: 1, after: 'fetch' };
      const plain = await runInProcess({ party, stateDir: a.dir, config: testFlConfig(base), data: DATA, dropAt: plainDrops });
      const p = weights(plain.server.modelBytes);
      const s = weights(secure.server.modelBytes);
      let worst = 0;
      for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - s[i]!));
      expect(worst).toBeLessThan(2e-5);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('below the quorum the round is aborted and the global model stays as it was', async () => {
    const party = makeParty(10);
    const { dir, cleanup } = tempDir();
    try {
      const dropAt: (DropPoint | undefined)[] = Array.from({ length: 10 }, (_, i) => (i < 8 ? { round: 1, after: 'fetch' } : undefined));
      const run = await runInProcess({ party, stateDir: dir, config: testFlConfig({ rounds: 1, roundTimeoutS: 1, minClients: 3, maxAbortedRounds: 1 }), data: DATA, dropAt });
      expect(run.server.status).toBe('gave-up');
      const r = run.server.rounds[0]!;
      expect(r.status).toBe('aborted');
      expect(r.reason).toBe('below quorum: 2 of 3 clients');
      expect(run.server.modelVersion).toBe(0);
      expect(r.modelSha256).toBe(run.server.modelSha256);
    } finally {
      cleanup();
    }
  });
});
