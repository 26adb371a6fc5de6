import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { federatedKind, openLocalData } from '../../src/federated/index.js';
import { loadCheckpoint, simulateFederated } from '../../src/pipeline/index.js';
import { makeParty, runInProcess, smallConfig, tempDir, testFlConfig } from './helpers.js';

describe('simulate (real dadm federated server and client processes on 127.0.0.1)', () => {
  it('survives kill -9 of the server: each restart resumes after the last committed round and the final model equals an uninterrupted run (fedadam: server moments resumed too)', async () => {
    const work = tempDir();
    const ref = tempDir();
    try {
      // FedAdam keeps server state across rounds (its moments): a restart must resume them, not zero them.
      const fl = testFlConfig({ rounds: 3, localEpochs: 2, serverOptimizer: 'fedadam', serverLr: 0.01, retry: { initialS: 0.05, maxS: 0.3, giveUpS: 200 } });
      const config = { ...smallConfig(), federated: fl };
      const log: string[] = [];
      const before = activeResources();
      const run = await simulateFederated({ workDir: work.dir, clients: 2, split: 'iid', rows: 600, config, serverKills: 3, killDelayS: [0.2, 1.2], centralized: false, timeoutS: 240, onLog: (l) => log.push(l) });
      expect(run.serverStatus, log.slice(-20).join('\n')).toBe('completed');
      // Nothing left behind to keep the caller's process alive (a pending timer once held `dadm demo` open).
      expect(await leftBehind(before)).toEqual([]);
      expect(run.restarts.length).toBeGreaterThan(0);
      for (const r of run.restarts) expect(r.resumedAfter).toBe(r.lastCommitted);
      expect(run.rounds.map((r) => r.status)).toEqual(['committed', 'committed', 'committed', 'calibrated']);
      expect(run.clients.map((c) => c.exit)).toEqual([0, 0]);
      // The final checkpoint is a dadm checkpoint of the final model, with the calibrated threshold.
      const ckpt = loadCheckpoint(run.files.checkpoint!);
      expect(ckpt.thresholdMethod).toBe('federated-quantile');
      expect(ckpt.threshold).toBe(run.rounds.at(-1)!.threshold);
      // The same shards and seeds without kills, in-process.
      const kind = federatedKind(config);
      const data = readdirSync(join(work.dir, 'clients')).sort().map((id) => openLocalData(join(work.dir, 'clients', id, 'data.npy'), { config, schema: kind.schema }));
      const plain = await runInProcess({ party: makeParty(2), stateDir: ref.dir, config: fl, data });
      data.forEach((d) => d.close());
      expect(run.final.sha256).toBe(plain.server.modelSha256);
      expect(plain.server.checkpoint!.threshold).toBe(ckpt.threshold);
    } finally {
      work.cleanup();
      ref.cleanup();
    }
    // Seven process starts (tsx compiles the CLI in each): ~20 s on a quiet machine, minutes on a loaded one.
  }, 300_000);
});

/** The kinds of the process's active handles and requests (timers, child processes, sockets). */
function activeResources(): string[] {
  return process.getActiveResourcesInfo();
}

/**
 * The active resources beyond those of `before` (as a multiset; the test runner's own may come and
 * go), waiting up to 2 s for none: an exited child's process handle closes one event-loop turn after
 * its exit event.
 */
async function leftBehind(before: string[]): Promise<string[]> {
  const until = Date.now() + 2000;
  for (;;) {
    const extra = activeResources();
    for (const r of before) {
      const k = extra.indexOf(r);
      if (k >= 0) extra.splice(k, 1);
    }
    if (extra.length === 0 || Date.now() >= until) return extra.sort();
    await new Promise((r) => setTimeout(r, 20));
  }
}
