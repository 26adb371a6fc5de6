import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoencoderKind } from '../../src/federated/index.js';
import { simulate } from '../../src/pipeline/federated-simulate.js';
import { makeParty, runInProcess, smallConfig, tempDir, testFlConfig } from './helpers.js';

describe('simulate (real server and client processes on 127.0.0.1)', () => {
  it('survives kill -9 of the server: each restart resumes after the last committed round and the final model equals an uninterrupted run', async () => {
    const work = tempDir();
    const ref = tempDir();
    try {
      const config = testFlConfig({ rounds: 3, localEpochs: 2, retry: { initialS: 0.05, maxS: 0.3, giveUpS: 60 } });
      const dadm = smallConfig();
      const log: string[] = [];
      const run = await simulate({ workDir: work.dir, clients: 2, split: 'iid', rows: 600, config, dadm, serverKills: 3, killDelayS: [0.2, 1.2], centralized: false, timeoutS: 120, onLog: (l) => log.push(l) });
      expect(run.serverStatus, log.slice(-20).join('\n')).toBe('completed');
      expect(run.restarts.length).toBeGreaterThan(0);
      for (const r of run.restarts) expect(r.resumedAfter).toBe(r.lastCommitted);
      expect(run.rounds.map((r) => r.status)).toEqual(['committed', 'committed', 'committed']);
      expect(run.clients.map((c) => c.exit)).toEqual([0, 0]);
      // The same shards and seeds without kills, in-process.
      const kind = autoencoderKind(dadm);
      const data = readdirSync(join(work.dir, 'clients')).sort().map((id) => kind.loadData(join(work.dir, 'clients', id, 'data.npy')));
      const plain = await runInProcess({ party: makeParty(2), stateDir: ref.dir, config, data });
      expect(run.final.sha256).toBe(plain.server.modelSha256);
    } finally {
      work.cleanup();
      ref.cleanup();
    }
  });
});
