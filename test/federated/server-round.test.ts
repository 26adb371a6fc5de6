import { describe, expect, it } from 'vitest';
import { decodeModel, federatedKind } from '../../src/federated/index.js';
import { hostRows, makeParty, runInProcess, smallConfig, tempDir, testFlConfig } from './helpers.js';

describe('FederatedServer rounds (in-process)', () => {
  it('commits every round with all clients and ends with the final model', async () => {
    const party = makeParty(3);
    const { dir, cleanup } = tempDir();
    try {
      const log: string[] = [];
      const data = [hostRows(200, 1), hostRows(150, 2), hostRows(100, 3)];
      const run = await runInProcess({ party, stateDir: dir, config: testFlConfig(), data, log });
      expect(log.filter((l) => l.includes('raw rows never left this host')).length).toBeGreaterThanOrEqual(6);
      expect(log.some((l) => /^round 1 committed \(plain fedavg\): model v1 .*clients in 3\/3, missing 0, rejected 0, aggregate L2/.test(l))).toBe(true);
      expect(run.server.status).toBe('completed');
      expect(run.server.modelVersion).toBe(2);
      expect(run.server.rounds.map((r) => r.status)).toEqual(['committed', 'committed', 'calibrated']);
      expect(run.server.rounds[0]!.accepted.map((a) => a.client)).toEqual(['c01', 'c02', 'c03']);
      // The calibration round: the threshold is the 0.99 quantile of the 450 client rows' scores
      // under the final model, within the sketch's bin width (1.2 %) of the exact quantile.
      const kind = federatedKind(smallConfig());
      const final = decodeModel(run.server.modelBytes, 'final');
      const scores = Float64Array.from(data.flatMap((d) => [...kind.score(final, d)])).sort();
      const h = smallConfig().threshold.quantile * (scores.length - 1);
      const exact = scores[Math.floor(h)]! + (h - Math.floor(h)) * (scores[Math.ceil(h)]! - scores[Math.floor(h)]!);
      const threshold = run.server.checkpoint!.threshold;
      expect(Math.abs(threshold / exact - 1)).toBeLessThan(0.012);
      expect(run.server.rounds[2]!.calibration!.rows).toBe(450);
    } finally {
      cleanup();
    }
  });
});
