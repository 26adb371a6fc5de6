import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateData, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { expectOneLineError, run } from './helpers.js';

const dir = tempDir('dadm-cli-evaluate-');
const data = join(dir, 'data.npy');
const labels = join(dir, 'labels.npy');
const config = join(dir, 'config.yaml');

beforeAll(() => {
  generateData({ rows: 500, out: data, labelsOut: labels, seed: 6, anomalyRate: 0.05 });
  writeFileSync(config, 'iforest:\n  n_estimators: 10\n');
});

describe('dadm evaluate', () => {
  it('prints a table of ROC-AUC and average precision (mean ± sd) per kind, progress on stderr; --json for machines', async () => {
    const t = await run('evaluate', '--data', data, '--labels', labels, '--models', 'iforest,ecod', '--seeds', '0..2', '--config', config);
    expect(t.code).toBe(0);
    const lines = t.out.trim().split('\n');
    expect(lines[0]).toBe(`${data}: 500 rows, 25 labelled anomalies; seeds 0..2 (mean ± sd over seeds)`);
    expect(lines[1]).toMatch(/^model\s+ROC-AUC\s+average precision\s+seconds\/run$/);
    expect(lines[2]).toMatch(/^iforest\s+0\.\d{4} ± 0\.\d{4}\s+0\.\d{4} ± 0\.\d{4}\s+\d+\.\d$/);
    expect(lines[3]).toMatch(/^ecod\s+/);
    expect(t.err.match(/^\[\d\/6\] (iforest|ecod) seed \d: ROC-AUC 0\.\d{4}, average precision 0\.\d{4}/gm)).toHaveLength(6);
    const j = await run('evaluate', '--data', data, '--labels', labels, '--models', 'ecod', '--seeds', '4,7', '--json', '--quiet');
    expect(j.err).toBe('');
    const r = JSON.parse(j.out);
    expect(r.seeds).toEqual([4, 7]);
    expect(r.models[0].model).toBe('ecod');
    expect(r.models[0].rocAuc.perSeed).toHaveLength(2);
  });

  it('refuses a bad --seeds or --models on one line with exit 2', async () => {
    for (const [flag, value, pattern] of [
      ['--seeds', '3..1', /--seeds must be a range A\.\.B with A <= B or a comma-separated list of integers >= 0, got '3\.\.1'/],
      ['--seeds', 'a,b', /--seeds must be .* got 'a,b'/],
      ['--models', 'iforest,pca', /--models must list kinds among autoencoder, iforest, ecod, ensemble, got 'pca'/],
      ['--models', 'ecod,ecod', /--models must name each kind once, got 'ecod,ecod'/],
    ] as const) {
      const r = await run('evaluate', '--data', data, '--labels', labels, flag, value);
      expect(r.code).toBe(2);
      expectOneLineError(r, pattern);
    }
  });
});

describe('dadm score output', () => {
  it('prints F1 and the operating points with labels, the implied false-positive rate without', async () => {
    const model = train({ data, outDir: join(dir, 'm'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 10 } }) }).files.model;
    const l = await run('score', '--model', model, '--data', data, '--labels', labels);
    expect(l.code).toBe(0);
    expect(l.out).toMatch(/at the threshold precision \S+, recall \S+, F1 \S+ \(25 labelled anomalies\)/);
    expect(l.out.match(/^ {2}at FPR <= (0\.1|1|5)% \(threshold \S+\): precision \S+, recall \S+, F1 \S+$/gm)).toHaveLength(3);
    expect(l.out).toMatch(/^ {2}best F1 in hindsight \S+ at threshold \S+/m);
    const u = await run('score', '--model', model, '--data', data);
    expect(u.out).toMatch(/^expected false-positive rate at the threshold: \d+\.\d\d% of normal rows \(estimated at training\)$/m);
  });
});
