/**
 * quality (issue 18, docs/ensemble.md): `dadm evaluate` over the labelled sets, 5 seeds each:
 * ionosphere and breastcancer (test/fixtures/data, copies of ../shared/data; generic mode: schema
 * none + standardize) and gen-data (50,000 rows, anomaly rate 0.02, data seed 0; endpoint-v1).
 * Rows: each kind's and each ensemble member's mean ROC-AUC and average precision, and the ensemble
 * targets: its gap to the better member per set (target >= -0.005) and on the average over the sets
 * (target >= 0, against the member with the best average).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, evaluate, generateData, mergeConfig, type EvaluateResult } from '../../src/pipeline/index.js';
import type { BenchRow, Workload } from '../harness.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SEEDS = [0, 1, 2, 3, 4];
const MEMBERS = ['autoencoder', 'iforest', 'ecod'];

export const workload: Workload = {
  name: 'quality',
  description: 'dadm evaluate (ROC-AUC, average precision; 5 seeds) of every kind on ionosphere, breastcancer and gen-data, and the ensemble targets',
  run(): BenchRow[] {
    const dir = mkdtempSync(join(tmpdir(), 'dadm-quality-'));
    try {
      const gen = { data: join(dir, 'gen.npy'), labels: join(dir, 'gen-labels.npy') };
      generateData({ rows: 50_000, out: gen.data, labelsOut: gen.labels, anomalyRate: 0.02, seed: 0 });
      const generic = mergeConfig({ schema: 'none', standardize: true }, defaultConfig());
      const fixture = (name: string): { data: string; labels: string } => ({ data: join(repoRoot, 'test/fixtures/data', `${name}_X.npy`), labels: join(repoRoot, 'test/fixtures/data', `${name}_y.npy`) });
      const sets = [
        { name: 'ionosphere', ...fixture('ionosphere'), config: generic },
        { name: 'breastcancer', ...fixture('breastcancer'), config: generic },
        { name: 'gen-data', ...gen, config: defaultConfig() },
      ];
      const rows: BenchRow[] = [];
      const results: EvaluateResult[] = [];
      for (const set of sets) {
        const r = evaluate({ data: set.data, labels: set.labels, seeds: SEEDS, config: set.config, onRun: (x) => console.error(`quality ${set.name}: [${x.done}/${x.total}] ${x.model} seed ${x.seed} ROC-AUC ${x.rocAuc.toFixed(4)}`) });
        results.push(r);
        for (const m of r.models) {
          rows.push({ workload: 'quality', metric: `${set.name}_${m.model}_roc_auc`, value: m.rocAuc.mean, unit: 'ROC-AUC', median_of: SEEDS.length, note: `mean ± sd ${m.rocAuc.mean.toFixed(4)} ± ${m.rocAuc.sd.toFixed(4)}` });
          rows.push({ workload: 'quality', metric: `${set.name}_${m.model}_average_precision`, value: m.averagePrecision.mean, unit: 'AP', median_of: SEEDS.length });
        }
      }
      const auc = (r: EvaluateResult, model: string): number => r.models.find((m) => m.model === model)!.rocAuc.mean;
      results.forEach((r, i) => {
        const best = Math.max(...MEMBERS.map((m) => auc(r, `ensemble/${m}`)));
        rows.push({ workload: 'quality', metric: `${sets[i]!.name}_ensemble_minus_better_member`, value: auc(r, 'ensemble') - best, unit: 'ROC-AUC', median_of: SEEDS.length, note: 'target >= -0.005' });
      });
      const average = (model: string): number => results.reduce((s, r) => s + auc(r, model), 0) / results.length;
      const bestAverage = Math.max(...MEMBERS.map((m) => average(`ensemble/${m}`)));
      rows.push({ workload: 'quality', metric: 'average_ensemble_minus_best_member', value: average('ensemble') - bestAverage, unit: 'ROC-AUC', median_of: SEEDS.length, note: 'target >= 0' });
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
