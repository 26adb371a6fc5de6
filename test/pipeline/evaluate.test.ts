import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError } from '../../src/errors.js';
import { readNpyFile, writeNpyFile } from '../../src/io/index.js';
import { evaluate, generateData, score, train, type EvaluatedRun } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from './helpers.js';
import { expectError } from '../tensor/expect-error.js';

const dir = tempDir('dadm-evaluate-');
const data = join(dir, 'data.npy');
const labels = join(dir, 'labels.npy');
const config = smallConfig({ iforest: { nEstimators: 10 }, ensemble: { autoencoderMinSteps: 0 } });

/** ROC-AUC by counting pairs (ties count 1/2): an independent check of the reported figure. */
function pairAuc(scores: Float32Array, y: Uint8Array): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

function labelValues(): Uint8Array {
  return Uint8Array.from(readNpyFile(labels).data as ArrayLike<number>);
}

beforeAll(() => {
  generateData({ rows: 600, out: data, labelsOut: labels, seed: 4, anomalyRate: 0.05 });
});

describe('evaluate', () => {
  it('trains and scores each kind per seed; its ROC-AUC is that of train + score with the seed', () => {
    const runs: EvaluatedRun[] = [];
    const r = evaluate({ data, labels, models: ['iforest', 'ecod'], seeds: [0, 3], config, onRun: (x) => runs.push(x) });
    expect(r).toMatchObject({ data, rows: 600, positives: 30, seeds: [0, 3] });
    expect(r.models.map((m) => m.model)).toEqual(['iforest', 'ecod']);
    expect(runs.map((x) => [x.model, x.seed, x.done, x.total])).toEqual([['iforest', 0, 1, 4], ['iforest', 3, 2, 4], ['ecod', 0, 3, 4], ['ecod', 3, 4, 4]]);
    const seed3 = score({ model: train({ data, outDir: join(dir, 'if3'), config, model: 'iforest', seed: 3 }).files.model, data, labels });
    const forest = r.models[0]!;
    expect(forest.rocAuc.perSeed[1]).toBeCloseTo(pairAuc(seed3.scores, labelValues()), 12);
    expect(forest.averagePrecision.perSeed[1]).toBeCloseTo(seed3.labels!.averagePrecision!, 12);
    const [a, b] = forest.rocAuc.perSeed as [number, number];
    expect(forest.rocAuc.mean).toBeCloseTo((a + b) / 2, 12);
    expect(forest.rocAuc.sd).toBeCloseTo(Math.abs(a - b) / 2, 12);
    expect(r.models[1]!.rocAuc.perSeed).toHaveLength(2);
  });

  it('measures an ensemble and, under ensemble/<member>, each member as the ensemble trained it', () => {
    const r = evaluate({ data, labels, models: ['ensemble'], seeds: [1], config });
    expect(r.models.map((m) => m.model)).toEqual(['ensemble', 'ensemble/autoencoder', 'ensemble/iforest', 'ensemble/ecod']);
    const ens = train({ data, outDir: join(dir, 'ens1'), config, model: 'ensemble', seed: 1 });
    const s = score({ model: ens.files.model, data });
    expect(r.models[0]!.rocAuc.mean).toBeCloseTo(pairAuc(s.scores, labelValues()), 12);
  });

  it('refuses labels of one class, unknown or repeated kinds and empty or negative seeds', () => {
    const zeros = join(dir, 'zeros.npy');
    writeNpyFile(zeros, { data: new Float32Array(600), shape: [600] });
    expectError(() => evaluate({ data, labels: zeros, models: ['ecod'], seeds: [0] }), DataError, /zeros\.npy: labels must hold both classes \(0 and 1\) to evaluate, got only 0$/);
    expectError(() => evaluate({ data, labels, models: ['pca' as never], seeds: [0] }), InvalidOptionError, /^evaluate: models must be kinds among autoencoder, iforest, ecod, ensemble, got 'pca'$/);
    expectError(() => evaluate({ data, labels, models: ['ecod', 'ecod'], seeds: [0] }), InvalidOptionError, /^evaluate: models must not repeat a kind, got ecod,ecod$/);
    expectError(() => evaluate({ data, labels, models: ['ecod'], seeds: [] }), InvalidOptionError, /^evaluate: seeds must hold at least one seed, got none$/);
    expectError(() => evaluate({ data, labels, models: ['ecod'], seeds: [-1] }), InvalidOptionError, /^evaluate: seeds must be integers >= 0, got -1$/);
  });
});
