/**
 * FL-auc (docs/federated.md): model quality of federated training. `simulate` with 10 client
 * processes and a server process on 127.0.0.1, 5 rounds of FedAvg, default autoencoder config with
 * batch size 64 (for both runs), 5 local epochs per round, on
 * 20,000 synthetic endpoint rows (2 % attacks) plus a separate labelled test set of 5,000 rows;
 * splits by host profile (each client holds one or two of the four profiles; SCAFFOLD control
 * variates with scaffold_scale 0.2, plain FedAvg and FedProx with mu = 0.1) and iid. The anchor is
 * the centralized `dadm train` on the union of the same rows, scored on the same test set, in the
 * same run. Metric: ROC-AUC of the final global model; the note gives the centralized AUC and the gap.
 *
 * The transformer line: the same 10 client processes and 5 rounds on per-host time series (as
 * `gen-data --sequences` writes them: 400 hosts x 100 steps, 2 % attack steps, a fresh fleet of 100
 * hosts as the test set), split by host profile with each host's rows whole and in order on one
 * client; clients train on their hosts' windows (sequence.stride 4) with `TRANSFORMER_LOCAL_EPOCHS`
 * local epochs per round; the centralized `dadm train --hosts` on the union runs the default 20
 * epochs with early stopping; both with learning rate `TRANSFORMER_LR`. The transformer's figure is
 * the final checkpoint's ROC-AUC (`dadm score --hosts`: error_scale merged in the calibration round);
 * the per-round figures score each round's model with the error_scale merged from the shards.
 * `DADM_FL_AUC=transformer` (or `autoencoder`) runs one model's lines only;
 * `DADM_FL_AUC_SPLIT=by-host` deals whole hosts without regard to profile (the profile skew's share
 * of the gap); `DADM_FL_AUC_SERVER_OPT`, `_SERVER_LR`, `_SERVER_MOMENTUM`, `_SERVER_BETA2`,
 * `_SERVER_TAU` set the server optimizer; `DADM_FL_AUC_OPTIMIZER`, `_MOMENTUM`, `_CLIP`, `_BATCH` the
 * clients' local training (the centralized anchor stays Adam at `_CENTRAL_LR`), `DADM_FL_AUC_SEED`
 * the run's seed (docs/federated.md "SGD clients"); `DADM_FL_AUC_CENTERING` (context-mean | none)
 * the transformer's centering of both runs, context-mean by default.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, simulateFederated } from '../../src/pipeline/index.js';
import type { BenchRow, Workload } from '../harness.js';

/** Local epochs per round of the transformer clients; `DADM_FL_AUC_LOCAL_EPOCHS` overrides. */
const TRANSFORMER_LOCAL_EPOCHS = Number(process.env.DADM_FL_AUC_LOCAL_EPOCHS ?? 2);
/** training.learning_rate of both transformer runs (clients and centralized); `DADM_FL_AUC_LR` overrides. */
const TRANSFORMER_LR = Number(process.env.DADM_FL_AUC_LR ?? 0.004);
/** federated.scaffold_scale of the transformer clients; `DADM_FL_AUC_SCAFFOLD` overrides. */
const TRANSFORMER_SCAFFOLD = Number(process.env.DADM_FL_AUC_SCAFFOLD ?? 0);
/** federated.proximal_mu of the transformer clients; `DADM_FL_AUC_MU` overrides. */
const TRANSFORMER_MU = Number(process.env.DADM_FL_AUC_MU ?? 0);
/**
 * The transformer's server optimizer (FedOpt): `DADM_FL_AUC_SERVER_OPT` (fedavg | fedavgm | fedadam),
 * `_SERVER_LR`, `_SERVER_MOMENTUM`, `_SERVER_BETA2`, `_SERVER_TAU`; unset keys keep the config defaults.
 */
function transformerServerOptimizer(): Partial<ReturnType<typeof defaultConfig>['federated']> {
  const env = process.env;
  const num = (k: string): number | undefined => (env[k] === undefined ? undefined : Number(env[k]));
  const o = {
    serverOptimizer: env.DADM_FL_AUC_SERVER_OPT as 'fedavg' | 'fedavgm' | 'fedadam' | undefined,
    serverLr: num('DADM_FL_AUC_SERVER_LR'),
    serverMomentum: num('DADM_FL_AUC_SERVER_MOMENTUM'),
    serverBeta2: num('DADM_FL_AUC_SERVER_BETA2'),
    serverTau: num('DADM_FL_AUC_SERVER_TAU'),
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
/**
 * transformer.centering of both transformer runs (clients and centralized, so they compare the same
 * model); `DADM_FL_AUC_CENTERING=none` gives the uncentered model (docs/federated.md "The cause: feature levels").
 */
const TRANSFORMER_CENTERING = process.env.DADM_FL_AUC_CENTERING === 'none' ? 'none' : 'context-mean';
/**
 * The transformer clients' optimizer: `DADM_FL_AUC_OPTIMIZER` (adam | adamw | sgd, default adam),
 * `_MOMENTUM` (sgd), `_CLIP` (training.grad_clip, default off). The centralized anchor always trains
 * with Adam, at `DADM_FL_AUC_CENTRAL_LR` (default: the clients' learning rate for Adam clients, else
 * 0.004, the best Adam figure of docs/federated.md).
 */
const TRANSFORMER_OPTIMIZER = (process.env.DADM_FL_AUC_OPTIMIZER ?? 'adam') as 'adam' | 'adamw' | 'sgd';
const TRANSFORMER_MOMENTUM = process.env.DADM_FL_AUC_MOMENTUM === undefined ? undefined : Number(process.env.DADM_FL_AUC_MOMENTUM);
const TRANSFORMER_CLIP = process.env.DADM_FL_AUC_CLIP === undefined ? null : Number(process.env.DADM_FL_AUC_CLIP);
/** transformer.batch_size of the clients (`DADM_FL_AUC_BATCH`); the centralized anchor keeps the default. */
const TRANSFORMER_BATCH = process.env.DADM_FL_AUC_BATCH === undefined ? undefined : Number(process.env.DADM_FL_AUC_BATCH);
const CENTRAL_LR = Number(process.env.DADM_FL_AUC_CENTRAL_LR ?? (TRANSFORMER_OPTIMIZER === 'sgd' ? 0.004 : TRANSFORMER_LR));
/** Seed of the transformer run's data, split and local training; `DADM_FL_AUC_SEED` overrides. */
const TRANSFORMER_SEED = Number(process.env.DADM_FL_AUC_SEED ?? 1);
/** How the transformer's hosts are dealt (the target is by-profile); `DADM_FL_AUC_SPLIT=by-host` isolates the profile skew. */
const TRANSFORMER_SPLIT = process.env.DADM_FL_AUC_SPLIT === 'by-host' ? 'by-host' : 'by-profile';

export const workload: Workload = {
  name: 'FL-auc',
  description: 'federated autoencoder and transformer (10 clients, 5 rounds) vs centralized training: ROC-AUC by host profile (and iid for the autoencoder)',
  async run(): Promise<BenchRow[]> {
    const only = process.env.DADM_FL_AUC;
    const rows: BenchRow[] = only === 'transformer' ? [] : await autoencoderRows();
    if (only !== 'autoencoder') rows.push(await transformerRow());
    return rows;
  }
}

/** The transformer, by profile: the federated run and the centralized anchor in one simulation. */
async function transformerRow(): Promise<BenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-auc-transformer-'));
  const load = `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  try {
    const t0 = performance.now();
    const dadm = defaultConfig();
    dadm.model = 'transformer';
    dadm.sequence.stride = 4;
    dadm.training.learningRate = TRANSFORMER_LR;
    dadm.transformer.centering = TRANSFORMER_CENTERING;
    dadm.training.optimizer = TRANSFORMER_OPTIMIZER;
    if (TRANSFORMER_MOMENTUM !== undefined) dadm.training.momentum = TRANSFORMER_MOMENTUM;
    dadm.training.gradClip = TRANSFORMER_CLIP;
    const central = { ...dadm, transformer: { ...dadm.transformer }, training: { ...dadm.training, optimizer: 'adam' as const, learningRate: CENTRAL_LR, gradClip: null } };
    if (TRANSFORMER_BATCH !== undefined) dadm.transformer = { ...dadm.transformer, batchSize: TRANSFORMER_BATCH };
    dadm.federated = { ...dadm.federated, rounds: 5, localEpochs: TRANSFORMER_LOCAL_EPOCHS, scaffoldScale: TRANSFORMER_SCAFFOLD, proximalMu: TRANSFORMER_MU, roundTimeoutS: 1200, ...transformerServerOptimizer() };
    const f = dadm.federated;
    const server = f.serverOptimizer === 'fedavg' ? `fedavg server_lr ${f.serverLr}` : f.serverOptimizer === 'fedavgm' ? `fedavgm server_lr ${f.serverLr} momentum ${f.serverMomentum}` : `fedadam server_lr ${f.serverLr} beta1 ${f.serverMomentum} beta2 ${f.serverBeta2} tau ${f.serverTau}`;
    const r = await simulateFederated({ workDir: dir, clients: 10, split: TRANSFORMER_SPLIT, rows: 40_000, steps: 100, anomalyRate: 0.02, config: dadm, centralizedConfig: central, seed: TRANSFORMER_SEED, timeoutS: 3600 });
    const seconds = (performance.now() - t0) / 1000;
    const centralAuc = r.centralized?.labels?.rocAuc ?? NaN;
    // The final checkpoint (merged error_scale, calibrated threshold) scored by `dadm score --hosts`.
    const federated = r.final.checkpoint?.labels?.rocAuc ?? NaN;
    const perRound = r.rounds.map((x) => x.auc?.toFixed(4) ?? x.status).join(' ');
    return {
      workload: 'FL-auc', metric: `auc_${TRANSFORMER_SPLIT}_transformer`, value: federated, unit: 'auc', median_of: 1,
      note: `target gap <= 0.02; centralized ${centralAuc.toFixed(4)} (adam, learning rate ${CENTRAL_LR}), gap ${(centralAuc - federated).toFixed(4)}; per round ${perRound}; ${server}; 400 hosts x 100 steps, seed ${TRANSFORMER_SEED}, stride 4, centering ${TRANSFORMER_CENTERING}, clients ${clientOptimizer(dadm.training, dadm.transformer.batchSize)}, scaffold_scale ${TRANSFORMER_SCAFFOLD}, proximal_mu ${TRANSFORMER_MU}, ${TRANSFORMER_LOCAL_EPOCHS} local epochs x 5 rounds vs centralized ${dadm.training.epochs} epochs (early stopping, patience ${dadm.training.earlyStoppingPatience}); ${seconds.toFixed(0)} s; ${load}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The clients' optimizer as the note shows it. */
function clientOptimizer(t: ReturnType<typeof defaultConfig>['training'], batchSize: number): string {
  const clip = t.gradClip === null ? '' : `, grad_clip ${t.gradClip}`;
  return `${t.optimizer}${t.optimizer === 'sgd' ? ` momentum ${t.momentum}` : ''} learning rate ${t.learningRate}${clip}, batch ${batchSize}`;
}

/** The autoencoder lines: by profile (SCAFFOLD, plain FedAvg, FedProx) and iid. */
async function autoencoderRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const cases = [
    { split: 'by-profile', mu: 0, scaffold: 0.2, metric: 'auc_by-profile_scaffold0.2' },
    { split: 'by-profile', mu: 0, scaffold: 0, metric: 'auc_by-profile' },
    { split: 'by-profile', mu: 0.1, scaffold: 0, metric: 'auc_by-profile_prox0.1' },
    { split: 'iid', mu: 0, scaffold: 0, metric: 'auc_iid' },
  ] as const;
  for (const { split, mu, scaffold, metric } of cases) {
    const dir = mkdtempSync(join(tmpdir(), `fl-auc-${split}-`));
    const load = `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    try {
      const t0 = performance.now();
      const dadm = defaultConfig();
      dadm.training.batchSize = 64;
      dadm.federated = { ...dadm.federated, rounds: 5, localEpochs: 5, proximalMu: mu, scaffoldScale: scaffold, roundTimeoutS: 600 };
      const r = await simulateFederated({ workDir: dir, clients: 10, split, rows: 20_000, anomalyRate: 0.02, config: dadm, seed: 1, timeoutS: 3600 });
      const seconds = (performance.now() - t0) / 1000;
      const central = r.centralized?.labels?.rocAuc ?? NaN;
      const perRound = r.rounds.map((x) => x.auc?.toFixed(4) ?? x.status).join(' ');
      rows.push({ workload: 'FL-auc', metric, value: r.final.auc ?? NaN, unit: 'auc', median_of: 1, note: `centralized ${central.toFixed(4)}, gap ${(central - (r.final.auc ?? NaN)).toFixed(4)}; per round ${perRound}; ${seconds.toFixed(0)} s; ${load}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
