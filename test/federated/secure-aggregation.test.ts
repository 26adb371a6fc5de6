import { describe, expect, it } from 'vitest';
import { hostRows, makeParty, modelWeights as weights, runInProcess, tempDir, testFlConfig } from './helpers.js';

const DATA = [hostRows(200, 11), hostRows(150, 12), hostRows(120, 13), hostRows(180, 14), hostRows(160, 15)];

describe('secure aggregation (in-process)', () => {
  it('gives the plain FedAvg model up to the quantization bound', async () => {
    const party = makeParty(5);
    const a = tempDir();
    const b = tempDir();
    try {
      const base = { rounds: 1, maxSamplesPerClient: 200 };
      const plain = await runInProcess({ party, stateDir: a.dir, config: testFlConfig(base), data: DATA });
      const secure = await runInProcess({ party, stateDir: b.dir, config: testFlConfig({ ...base, secureAggregation: true }), data: DATA });
      expect(secure.server.status).toBe('completed');
      const p = weights(plain.server.modelBytes);
      const s = weights(secure.server.modelBytes);
      let worst = 0;
      for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - s[i]!));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });
});
