/**
 * The demo's sequence step: per-host series with sequence attacks (gen-data --sequences), the
 * transformer trained on the rows + host ids, and the per-row autoencoder trained on the same rows,
 * both scored on them: the ROC-AUC of each on the attack steps, side by side. Small on purpose (the
 * demo's row count, six epochs): `bench` sequence-detection measures it at full size.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mergeConfig, type DadmConfig } from '../../config/index.js';
import { writeSequenceFiles } from '../generate-sequences.js';
import { score } from '../score.js';
import { train } from '../train.js';

/** What the sequence step measured. */
export interface SequenceDemoResult {
  hosts: number;
  steps: number;
  anomalies: number;
  /** ROC-AUC on the attack steps (every row scored by its host's window). */
  transformerAuc: number | null;
  /** ROC-AUC of the per-row autoencoder trained and scored on the same rows. */
  autoencoderAuc: number | null;
  transformerSeconds: number;
}

/** Steps per host of the demo's series. */
const STEPS = 100;

/**
 * Writes the series under `outDir/sequences`, trains both models there and scores them.
 * @throws as writeSequenceFiles, train and score
 */
export function sequenceDemo(o: { outDir: string; rows: number; seed: number; anomalyRate: number; config: DadmConfig }): SequenceDemoResult {
  const dir = join(o.outDir, 'sequences');
  const file = (name: string): string => join(dir, name);
  mkdirSync(dir, { recursive: true });
  // As many rows as the demo's, at least 40 hosts: at the default 20,000 rows (200 hosts) six epochs
  // train in about 10 s and reach ROC-AUC ~0.91 on the attack steps, where the per-row model stays
  // near 0.68 (40 hosts and four epochs left both near 0.68: too little history to learn from).
  const hosts = Math.max(40, Math.round(o.rows / STEPS));
  const data = writeSequenceFiles({ hosts, steps: STEPS, seed: o.seed, anomalyRate: Math.max(o.anomalyRate, 0.03), out: file('seq.npy'), hostsOut: file('hosts.npy'), labelsOut: file('labels.npy') });
  const seq = mergeConfig({ model: 'transformer', training: { epochs: 6 }, sequence: { window: 16, stride: 2 } }, o.config);
  const t0 = performance.now();
  train({ data: file('seq.npy'), hosts: file('hosts.npy'), outDir: file('transformer'), config: seq, seed: o.seed });
  const transformerSeconds = (performance.now() - t0) / 1000;
  const t = score({ model: file('transformer/model.safetensors'), data: file('seq.npy'), hosts: file('hosts.npy'), labels: file('labels.npy') });
  train({ data: file('seq.npy'), outDir: file('autoencoder'), config: mergeConfig({ model: 'autoencoder' }, o.config), seed: o.seed });
  const a = score({ model: file('autoencoder/model.safetensors'), data: file('seq.npy'), labels: file('labels.npy') });
  return { hosts, steps: STEPS, anomalies: data.anomalies, transformerAuc: t.labels?.rocAuc ?? null, autoencoderAuc: a.labels?.rocAuc ?? null, transformerSeconds };
}
