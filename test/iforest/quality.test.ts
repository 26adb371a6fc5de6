import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IsolationForest } from '../../src/iforest/index.js';
import { rocAucPairwise } from './helpers.js';
import { loadNpy } from './load-npy.js';

const dataDir = new URL('../fixtures/data/', import.meta.url);
const baselines = JSON.parse(readFileSync(new URL('baselines.json', dataDir), 'utf8')) as {
  datasets: Record<string, { iforest: { mean: number; seeds: number[] } }>;
};

describe('IsolationForest detection quality (ODDS unsupervised protocol)', () => {
  it('pairwise AUC helper gives 1, 0 and 0.5 on ordered, reversed and tied scores', () => {
    expect(rocAucPairwise([0.1, 0.2, 0.9, 0.8], [0, 0, 1, 1])).toBe(1);
    expect(rocAucPairwise([0.9, 0.8, 0.1, 0.2], [0, 0, 1, 1])).toBe(0);
    expect(rocAucPairwise([0.5, 0.5, 0.5], [0, 1, 0])).toBe(0.5);
  });

  for (const name of ['ionosphere', 'breastcancer']) {
    it(`mean ROC-AUC over seeds 0..9 on ${name} is within 0.01 of scikit-learn's`, () => {
      const X = loadNpy(new URL(`${name}_X.npy`, dataDir).pathname);
      const y = loadNpy(new URL(`${name}_y.npy`, dataDir).pathname);
      const x = { data: X.data as Float32Array, shape: [X.shape[0]!, X.shape[1]!] as const };
      const { mean, seeds } = baselines.datasets[name]!.iforest;
      expect(seeds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const aucs = seeds.map((seed) => {
        const m = new IsolationForest({ nEstimators: 100, maxSamples: 256, seed }).fit(x);
        return rocAucPairwise(m.anomalyScore(x), y.data);
      });
      const ours = aucs.reduce((a, b) => a + b, 0) / aucs.length;
      expect(Math.abs(ours - mean), `ours ${ours.toFixed(4)} vs scikit-learn ${mean.toFixed(4)}`).toBeLessThanOrEqual(0.01);
    });
  }
});
