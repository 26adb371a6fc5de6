/** The demo's sequence step: the transformer and the per-row autoencoder trained and scored on the same per-host series. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.js';
import { DEMO_STEPS } from '../../../src/pipeline/index.js';
import { sequenceDemo } from '../../../src/pipeline/demo/sequence-demo.js';
import { tempDir } from '../helpers.js';

describe('demo step sequence', () => {
  it('comes before the federated step and reports both ROC-AUCs on the attack steps of the same rows', () => {
    const names = DEMO_STEPS.map((s) => s.name);
    expect(names.indexOf('sequence')).toBe(names.indexOf('federated') - 1);
    const dir = tempDir('dadm-demo-sequence-');
    const r = sequenceDemo({ outDir: dir, rows: 1000, seed: 0, anomalyRate: 0.02, config: defaultConfig() });
    expect(r.hosts).toBe(40);
    expect(r.steps).toBe(100);
    expect(r.anomalies).toBeGreaterThan(0);
    for (const auc of [r.transformerAuc, r.autoencoderAuc]) expect(auc).toBeGreaterThanOrEqual(0), expect(auc).toBeLessThanOrEqual(1);
    for (const kind of ['transformer', 'autoencoder']) expect(existsSync(join(dir, 'sequences', kind, 'model.safetensors'))).toBe(true);
  }, 120_000);
});
