import { describe, expect, it } from 'vitest';
import { hostRows, makeParty, runInProcess, tempDir, testFlConfig } from './helpers.js';

describe('FederatedServer rounds (in-process)', () => {
  it('commits every round with all clients and ends with the final model', async () => {
    const party = makeParty(3);
    const { dir, cleanup } = tempDir();
    try {
      const log: string[] = [];
      const run = await runInProcess({ party, stateDir: dir, config: testFlConfig(), data: [hostRows(200, 1), hostRows(150, 2), hostRows(100, 3)], log });
      expect(log.filter((l) => l.includes('raw rows never left this host')).length).toBeGreaterThanOrEqual(6);
      expect(log.some((l) => /^round 1 committed \(plain fedavg\): model v1 .*clients in 3\/3, missing 0, rejected 0, aggregate L2/.test(l))).toBe(true);
      expect(run.server.status).toBe('completed');
      expect(run.server.modelVersion).toBe(2);
      expect(run.server.rounds.map((r) => r.status)).toEqual(['committed', 'committed']);
      expect(run.server.rounds[0]!.accepted.map((a) => a.client)).toEqual(['c01', 'c02', 'c03']);
    } finally {
      cleanup();
    }
  });
});
