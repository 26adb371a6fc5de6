import { describe, expect, it } from 'vitest';

import { InvalidOptionError } from '../../src/errors.js';
import { METADATA_KEYS, modelMetadata } from '../../src/onnx/index.js';
import { expectError } from '../tensor/expect-error.js';

describe('modelMetadata', () => {
  it('writes every given field under its dadm.* key, lists as JSON and the threshold as its shortest decimal', () => {
    const meta = modelMetadata({
      modelType: 'autoencoder',
      dadmVersion: '0.1.0',
      schemaName: 'endpoint',
      schemaVersion: '1.0.0',
      schemaHash: 'abc123',
      featureNames: ['cpu', 'mem "rss"'],
      activeFeatures: [0, 5],
      threshold: 0.1 + 0.2,
      extra: { 'dadm.training.rows': '5000' },
    });
    expect(meta).toEqual({
      'dadm.model_type': 'autoencoder',
      'dadm.version': '0.1.0',
      'dadm.schema.name': 'endpoint',
      'dadm.schema.version': '1.0.0',
      'dadm.schema.hash': 'abc123',
      'dadm.feature_names': '["cpu","mem \\"rss\\""]',
      'dadm.active_features': '[0,5]',
      'dadm.threshold': '0.30000000000000004',
      'dadm.training.rows': '5000',
    });
    expect(Number(meta[METADATA_KEYS.threshold])).toBe(0.1 + 0.2);
  });

  it('leaves out undefined fields and writes activeFeatures null as "null"', () => {
    expect(modelMetadata({ modelType: 'isolation_forest', dadmVersion: '1', activeFeatures: null })).toEqual({
      'dadm.model_type': 'isolation_forest',
      'dadm.version': '1',
      'dadm.active_features': 'null',
    });
  });

  it('throws InvalidOptionError for a non-finite threshold or an extra key that repeats a fixed key', () => {
    expectError(() => modelMetadata({ modelType: 'a', dadmVersion: '1', threshold: Number.NaN }), InvalidOptionError, /modelMetadata: threshold must be a finite number, got NaN/);
    expectError(() => modelMetadata({ modelType: 'a', dadmVersion: '1', extra: { 'dadm.threshold': '1' } }), InvalidOptionError, /^modelMetadata: extra keys must not repeat a fixed key, got 'dadm.threshold'$/);
  });
});
