/** Temporary directories and small configs shared by the pipeline and CLI tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { defaultConfig, mergeConfig, type DadmConfig, type PartialDadmConfig } from '../../src/pipeline/index.js';

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = 'dadm-pipeline-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A small, fast config: 16-4 autoencoder, 3 epochs. */
export function smallConfig(overrides: PartialDadmConfig = {}): DadmConfig {
  const base = mergeConfig({ autoencoder: { hiddenDims: [16, 4] }, training: { epochs: 3, batchSize: 64 } }, defaultConfig());
  return mergeConfig(overrides, base);
}
