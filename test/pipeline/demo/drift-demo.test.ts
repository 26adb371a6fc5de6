import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIFT_DEMO_COLUMNS, driftDemo } from '../../../src/pipeline/demo/drift-demo.js';
import { generateData, train } from '../../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../helpers.js';

const dir = tempDir('dadm-drift-demo-');

describe('driftDemo', () => {
  it("gives 'ok' for a fresh unshifted batch and 'retrain' on exactly the shifted features, at the demo's sizes", () => {
    generateData({ rows: 20000, out: join(dir, 'data.npy'), seed: 0, anomalyRate: 0.02 });
    train({ data: join(dir, 'data.npy'), outDir: dir, config: smallConfig(), seed: 0 });
    const r = driftDemo({ outDir: dir, rows: 20000, seed: 0, anomalyRate: 0.02 });
    expect(r.unshifted.rows).toBe(10000);
    expect(r.unshifted.features.map((f) => f.status)).toEqual(new Array(12).fill('ok'));
    expect(r.unshifted.score?.status).toBe('ok');
    expect(r.unshifted.verdict).toBe('ok');
    // Sampling noise stays well below the warn levels (0.1 / 0.1 / 0.1), not just under them.
    for (const f of r.unshifted.features) {
      expect(f.psi).toBeLessThan(0.02);
      expect(f.wasserstein).toBeLessThan(0.06);
      expect(f.ks.statistic).toBeLessThan(0.04);
    }
    expect(r.unshifted.score!.ks.statistic).toBeLessThan(0.05);
    expect(r.shiftedFeatures).toEqual(['process_spawn_count', 'net_bytes_in', 'file_rename_count']);
    const retrain = r.shifted.features.filter((f) => f.status === 'retrain').map((f) => f.index);
    expect(retrain).toEqual([...DRIFT_DEMO_COLUMNS]);
    for (const j of DRIFT_DEMO_COLUMNS) expect(r.shifted.features[j]!.wasserstein).toBeGreaterThan(0.4);
    expect(r.shifted.verdict).toBe('retrain');
    expect(existsSync(join(dir, 'drift_shifted.base.npy'))).toBe(false);
  });
});
