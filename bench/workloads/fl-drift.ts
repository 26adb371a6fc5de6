/**
 * FL-drift (docs/federated.md, "Non-IID clients"): why federated training split by host profile
 * falls behind centralized training. FedAvg with full participation run in-process with the clients'
 * own local training (`federatedKind(...).train`, the `dadm train` code; no network or crypto, so
 * variants are cheap), on the FL-auc data: 20,000 synthetic rows (2 % attacks), 10 clients, 5 rounds
 * of 5 local epochs, default autoencoder, batch 64. Variants: IID split, by-profile split, by-profile
 * with FedProx (mu 0.1), by-profile with 1 local epoch, by-profile with SCAFFOLD control variates
 * (scaffold_scale 0.2, the fix). For the by-profile baseline and the centralized
 * anchor (20 epochs of the same training code on the union, side by side) the notes give ROC-AUC and
 * the median reconstruction error of normal test rows per host profile.
 */
import { loadavg } from 'node:os';
import { ControlVariateStep, federatedKind, flatten, layoutOf, loadSimData, memoryLocalData, splitClients, unflatten, type GlobalModel, type LocalData } from '../../src/federated/index.js';
import { proximalGradient } from '../../src/federated/proximal.js';
import { defaultConfig } from '../../src/pipeline/index.js';
import { generateHostData } from '../../src/schema/index.js';
import { rocAuc } from '../../src/stats/index.js';
import type { StateDict } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { median, type BenchRow, type Workload } from '../harness.js';

const SEED = 1;
const ROWS = 20_000;

export const workload: Workload = {
  name: 'FL-drift',
  description: 'in-process FedAvg by host profile vs IID vs FedProx: ROC-AUC per round and per profile, beside centralized',
  async run(): Promise<BenchRow[]> {
    const config = defaultConfig();
    config.training.batchSize = 64;
    const kind = federatedKind(config);
    const data = loadSimData({ rows: ROWS, anomalyRate: 0.02, seed: SEED });
    const test = data.test!;
    // loadSimData generates its test set with this seed; the profiles are not part of SimData.
    const testProfiles = generateHostData({ rows: test.count, seed: SEED + 1_000_003, anomalyRate: 0.02 }).profile;
    const testData = memoryLocalData(test.rows, test.count, 64, { config, schema: kind.schema, source: 'held-out rows' });
    const evaluate = (model: GlobalModel): { auc: number; perProfile: string } => {
      const scores = kind.score(model, testData);
      const parts: string[] = [];
      for (let p = 0; p < 4; p++) {
        const idx = Array.from({ length: test.count }, (_, i) => i).filter((i) => testProfiles[i] === p);
        const auc = rocAuc(Float32Array.from(idx, (i) => scores[i]!), Uint8Array.from(idx, (i) => test.labels[i]!));
        const normal = median(idx.filter((i) => test.labels[i] === 0).map((i) => scores[i]!));
        parts.push(`profile ${p}: AUC ${auc.toFixed(4)}, normal median ${normal.toExponential(2)}`);
      }
      return { auc: rocAuc(scores, test.labels), perProfile: parts.join('; ') };
    };
    const shardsOf = (split: 'iid' | 'by-profile'): LocalData[] =>
      splitClients(data.count, 10, split, SEED, split === 'by-profile' ? data.profiles! : undefined).map((rows, i) => {
        const x = new Float32Array(rows.length * 64);
        rows.forEach((r, k) => x.set(data.rows.subarray(r * 64, (r + 1) * 64), k * 64));
        return memoryLocalData(x, rows.length, 64, { config, schema: kind.schema, source: `client ${i}` });
      });
    const fedAvg = (clients: LocalData[], epochs: number, mu: number, scaffold = 0): { aucs: number[]; final: GlobalModel } => {
      let global = kind.initialModel(config.training.seed);
      const layout = layoutOf(global.state);
      // SCAFFOLD (src/federated/control-variates.ts): c and each client's c_i, by parameter name.
      let c: StateDict = new Map([...global.state].map(([n, t]) => [n, new Tensor(new Float32Array(t.data.length), t.shape)]));
      const own: (StateDict | null)[] = clients.map(() => null);
      const aucs: number[] = [];
      for (let round = 1; round <= 5; round++) {
        const base = flatten(global.state, layout);
        const sum = new Float64Array(base.length);
        const cSum = new Float64Array(base.length);
        let weight = 0;
        clients.forEach((d, i) => {
          const step = scaffold > 0 ? new ControlVariateStep(c, own[i]!, scaffold) : null;
          const adjust = step !== null ? step.adjust : mu > 0 ? proximalGradient(global, mu) : null;
          const run = kind.train(global, d, { epochs, seed: i * 1000 + round, ...(adjust !== null ? { adjustGradients: adjust } : {}) });
          const w = flatten(run.weights, layout);
          for (let j = 0; j < w.length; j++) sum[j]! += run.samples * (w[j]! - base[j]!);
          if (step !== null) {
            own[i] = step.ownState();
            const ci = flatten(own[i]!, layout);
            for (let j = 0; j < ci.length; j++) cSum[j]! += run.samples * ci[j]!;
          }
          weight += run.samples;
        });
        if (scaffold > 0) c = unflatten(Float32Array.from(cSum, (v) => v / weight), layout);
        const next = Float32Array.from(base, (v, j) => v + sum[j]! / weight);
        global = { ...global, version: round, state: unflatten(next, layout) };
        aucs.push(evaluate(global).auc);
      }
      return { aucs, final: global };
    };
    const rows: BenchRow[] = [];
    const load = (): string => `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    const t0 = performance.now();
    const union = memoryLocalData(data.rows, data.count, 64, { config, schema: kind.schema, source: 'union' });
    const central = kind.train(kind.initialModel(config.training.seed), union, { epochs: config.training.epochs, seed: 0 });
    const c = evaluate({ ...kind.initialModel(0), state: central.weights });
    rows.push({ workload: 'FL-drift', metric: 'auc_centralized', value: c.auc, unit: 'auc', median_of: 1, note: `${config.training.epochs} epochs on the union, ${((performance.now() - t0) / 1000).toFixed(0)} s; ${c.perProfile}; ${load()}` });
    const variants = [
      { metric: 'auc_by-profile_scaffold0.2', split: 'by-profile', epochs: 5, mu: 0, scaffold: 0.2 },
      { metric: 'auc_iid', split: 'iid', epochs: 5, mu: 0 },
      { metric: 'auc_by-profile', split: 'by-profile', epochs: 5, mu: 0 },
      { metric: 'auc_by-profile_prox0.1', split: 'by-profile', epochs: 5, mu: 0.1 },
      { metric: 'auc_by-profile_1epoch', split: 'by-profile', epochs: 1, mu: 0 },
    ] as const;
    for (const v of variants) {
      const t1 = performance.now();
      const r = fedAvg(shardsOf(v.split), v.epochs, v.mu, 'scaffold' in v ? v.scaffold : 0);
      const profiles = v.metric === 'auc_by-profile' ? `; ${evaluate(r.final).perProfile}` : '';
      rows.push({ workload: 'FL-drift', metric: v.metric, value: r.aucs.at(-1)!, unit: 'auc', median_of: 1, note: `rounds 1-5: ${r.aucs.map((a) => a.toFixed(4)).join(' ')}; centralized ${c.auc.toFixed(4)}; ${((performance.now() - t1) / 1000).toFixed(0)} s${profiles}; ${load()}` });
    }
    return rows;
  },
};
