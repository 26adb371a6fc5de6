/**
 * FL-kill (docs/federated.md): crash safety of the federated server. A simulation (real server and
 * client processes on 127.0.0.1, 4 clients, 30 rounds, small autoencoder) whose server is killed with
 * SIGKILL at 20 random moments (0.2-1.2 s after each restart, only while rounds remain) and restarted on the same port, beside
 * the same simulation without kills. Reported: restarts that resumed after the last committed round
 * (must be all), and whether the final model's SHA-256 equals the uninterrupted run's (1 = equal).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, simulateFederated as simulate, type SimulateOptions } from '../../src/pipeline/index.js';
import type { BenchRow, Workload } from '../harness.js';

const KILLS = 20;

export const workload: Workload = {
  name: 'FL-kill',
  description: `30-round federated run, server killed with SIGKILL at ${KILLS} random moments: resumes and final model equal to an uninterrupted run`,
  async run(): Promise<BenchRow[]> {
    const dadm = defaultConfig();
    dadm.autoencoder.hiddenDims = [16, 4];
    dadm.training.batchSize = 64;
    dadm.federated = { ...dadm.federated, rounds: 30, localEpochs: 2, roundTimeoutS: 120, retry: { initialS: 0.05, maxS: 0.5, giveUpS: 120 }, pollWaitS: 2 };
    const base: Omit<SimulateOptions, 'workDir'> = { clients: 4, split: 'iid', rows: 8000, config: dadm, centralized: false, seed: 3, timeoutS: 1200 };
    const dirs = [mkdtempSync(join(tmpdir(), 'fl-kill-a-')), mkdtempSync(join(tmpdir(), 'fl-kill-b-'))];
    const load = `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    try {
      const t0 = performance.now();
      const plain = await simulate({ ...base, workDir: dirs[0]! });
      const plainS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const killed = await simulate({ ...base, workDir: dirs[1]!, serverKills: KILLS, killDelayS: [0.2, 1.2] });
      const killedS = (performance.now() - t1) / 1000;
      const resumedRight = killed.restarts.filter((r) => r.resumedAfter === r.lastCommitted).length;
      const same = killed.final.sha256 === plain.final.sha256 ? 1 : 0;
      const note = `${killed.restarts.length} kills (${resumedRight} resumed after the last committed round: ${killed.restarts.map((r) => r.resumedAfter).join(',')}); uninterrupted ${plainS.toFixed(0)} s, killed run ${killedS.toFixed(0)} s; final sha256 ${killed.final.sha256.slice(0, 12)} vs ${plain.final.sha256.slice(0, 12)}; ${load}`;
      return [
        { workload: 'FL-kill', metric: 'restarts_resumed_correctly', value: resumedRight, unit: 'count', median_of: 1, note },
        { workload: 'FL-kill', metric: 'final_model_equal', value: same, unit: 'bool', median_of: 1, note },
      ];
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  },
};
