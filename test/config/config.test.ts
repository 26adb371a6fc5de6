import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { configToYaml, defaultConfig, defaultConfigYaml, loadConfig, mergeConfig, parseConfig } from '../../src/config/index.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

describe('defaultConfig', () => {
  it('has the documented defaults', () => {
    const c = defaultConfig();
    expect(c.model).toBe('autoencoder');
    expect(c.schema).toBe('endpoint-v1');
    expect(c.standardize).toBe(false);
    expect([c.backend, c.threads]).toEqual(['auto', 1]);
    expect(c.autoencoder).toEqual({ hiddenDims: [32, 8], activation: 'relu' });
    expect(c.training).toMatchObject({ batchSize: 256, learningRate: 1e-3, weightDecay: 0, optimizer: 'adam', shuffle: true, seed: 0 });
    expect(c.training).toMatchObject({ validationFraction: 0.1, earlyStoppingPatience: 5, gradClip: null });
    expect(c.threshold.quantile).toBe(0.99);
    expect(c.iforest).toEqual({ nEstimators: 100, maxSamples: 'auto', maxFeatures: 1, bootstrap: false, contamination: 'auto' });
    expect(c.onnx).toEqual({ opset: 17, dynamicBatch: false });
    expect(c.quantization).toEqual({ perChannel: false, weightType: 'int8', reduceRange: false, exclude: [], minWeights: 1024, keepOutputLayers: true, requireSmaller: true });
    expect(c.drift).toMatchObject({ sampleRows: 10000, psiWarn: 0.1, psiRetrain: 0.25 });
    expect(c.explain).toEqual({ method: 'reconstruction', topK: 5, backgroundRows: 100, maxExactFeatures: 16, kernelSamples: 2048 });
  });

  it('returns a fresh object each call', () => {
    const a = defaultConfig();
    a.autoencoder.hiddenDims.push(4);
    expect(defaultConfig().autoencoder.hiddenDims).toEqual([32, 8]);
  });
});

describe('parseConfig', () => {
  it('gives the defaults for an empty file or an empty section', () => {
    expect(parseConfig('')).toEqual(defaultConfig());
    expect(parseConfig('# only a comment\n')).toEqual(defaultConfig());
    expect(parseConfig('training:\n')).toEqual(defaultConfig());
  });

  it('merges a partial config over the defaults, snake_case to camelCase', () => {
    const c = parseConfig(
      ['model: iforest', 'training:', '  batch_size: 64', '  grad_clip: 1.5', 'iforest:', '  max_samples: 0.5', 'quantization:', '  exclude: [enc.0]'].join('\n'),
    );
    const expected = defaultConfig();
    expected.model = 'iforest';
    expected.training.batchSize = 64;
    expected.training.gradClip = 1.5;
    expected.iforest.maxSamples = 0.5;
    expected.quantization.exclude = ['enc.0'];
    expect(c).toEqual(expected);
  });

  it('reads backend and threads (a count or auto)', () => {
    expect(parseConfig('backend: js\nthreads: 2')).toMatchObject({ backend: 'js', threads: 2 });
    expect(parseConfig('backend: wasm\nthreads: auto')).toMatchObject({ backend: 'wasm', threads: 'auto' });
  });

  it('rejects an unknown key, suggesting the nearest and listing the allowed ones', () => {
    const bad = () => parseConfig('training:\n  bach_size: 32\n');
    expectError(bad, InvalidOptionError, /^config\.yaml: unknown key training\.bach_size \(did you mean training\.batch_size\?\); allowed: epochs, batch_size, learning_rate, weight_decay, optimizer, momentum, shuffle, seed, validation_fraction, early_stopping_patience, grad_clip$/);
    expectError(() => parseConfig('trainig: {}'), InvalidOptionError, /^config\.yaml: unknown key trainig \(did you mean training\?\); allowed: model, schema, standardize, backend, threads, autoencoder/);
    expectError(() => parseConfig('training:\n  batchSize: 3'), InvalidOptionError, /^config\.yaml: unknown key training\.batchSize \(did you mean training\.batch_size\?\)/);
    expectError(() => parseConfig('colour: blue'), InvalidOptionError, /^config\.yaml: unknown key colour; allowed: /);
  });

  it('rejects wrong types and values, naming the key path and what is allowed', () => {
    const cases: [string, RegExp][] = [
      ['training:\n  batch_size: -3', /^config\.yaml: training\.batch_size must be a positive integer, got -3$/],
      ['training:\n  batch_size: 2.5', /training\.batch_size must be a positive integer, got 2\.5$/],
      ['training:\n  epochs: "10"', /training\.epochs must be an integer in \[1, 100000\], got '10'$/],
      ['training:\n  learning_rate: 0', /training\.learning_rate must be a positive number, got 0$/],
      ['training:\n  optimizer: rmsprop', /training\.optimizer must be one of adam, adamw, sgd, got 'rmsprop'$/],
      ['training:\n  shuffle: 1', /training\.shuffle must be true or false, got 1$/],
      ['training:\n  validation_fraction: 1', /training\.validation_fraction must be a number in \[0, 1\), got 1$/],
      ['training:\n  grad_clip: 0', /training\.grad_clip must be null \(off\) or a positive number, got 0$/],
      ['model: IFOREST', /^config\.yaml: model must be one of autoencoder, iforest, ecod, ensemble, transformer, got 'IFOREST'$/],
      ['standardize: yes', /standardize must be true or false, got 'yes'$/],
      ['backend: gpu', /^config\.yaml: backend must be one of auto, js, wasm, got 'gpu'$/],
      ['threads: 0', /^config\.yaml: threads must be 'auto' or a positive integer, got 0$/],
      ['threads: all', /^config\.yaml: threads must be 'auto' or a positive integer, got 'all'$/],
      ['autoencoder:\n  hidden_dims: []', /autoencoder\.hidden_dims must be a non-empty list of positive integers, got \[\]$/],
      ['autoencoder:\n  hidden_dims: [32, 0]', /autoencoder\.hidden_dims must be a non-empty list of positive integers, got \[32,0\]$/],
      ['threshold:\n  quantile: 1', /threshold\.quantile must be a number in \(0, 1\), got 1$/],
      ['transformer:\n  centering: median', /^config\.yaml: transformer\.centering must be one of none, context-mean, got 'median'$/],
      ['iforest:\n  max_samples: 1.5', /iforest\.max_samples must be 'auto', an integer > 1 \(rows\) or a number in \(0, 1\] \(fraction of rows\), got 1\.5$/],
      ['iforest:\n  contamination: 0.6', /iforest\.contamination must be 'auto' or a number in \(0, 0\.5\], got 0\.6$/],
      ['onnx:\n  opset: 9', /onnx\.opset must be an integer in \[13, 21\], got 9$/],
      ['quantization:\n  exclude: [1]', /quantization\.exclude must be a list of node names \(strings\), got \[1\]$/],
      ['drift:\n  ks_warn: 0', /drift\.ks_warn must be a number in \(0, 1\], got 0$/],
      ['explain:\n  top_k: 0', /explain\.top_k must be a positive integer, got 0$/],
      ['explain:\n  method: kernel-shap', /explain\.method must be one of reconstruction, shap, got 'kernel-shap'$/],
      ['explain:\n  max_exact_features: 21', /explain\.max_exact_features must be an integer in \[1, 20\], got 21$/],
      ['explain:\n  kernel_samples: 0', /explain\.kernel_samples must be a positive integer, got 0$/],
      ['training: 3', /^config\.yaml: training must be a mapping of keys, got 3$/],
      ['training: [1, 2]', /^config\.yaml: training must be a mapping of keys, got \[1,2\]$/],
      ['- a\n- b', /^config\.yaml: top level must be a mapping of keys, got \["a","b"\]$/],
    ];
    for (const [text, pattern] of cases) {
      expectError(() => parseConfig(text), InvalidOptionError, pattern);
    }
  });

  it('requires each drift retrain threshold to be at least its warn threshold', () => {
    expectError(() => parseConfig('drift:\n  psi_retrain: 0.05'), InvalidOptionError, /^config\.yaml: drift\.psi_retrain must be >= drift\.psi_warn \(0\.1\), got 0\.05$/);
    expectError(() => parseConfig('drift:\n  ks_warn: 0.5'), InvalidOptionError, /^config\.yaml: drift\.ks_retrain must be >= drift\.ks_warn \(0\.5\), got 0\.2$/);
  });

  it('uses the given source name and throws FormatError for text that is not YAML', () => {
    expectError(() => parseConfig('model: [', 'my.yaml'), FormatError, /^my\.yaml:1: text must be valid YAML data, got /);
    expectError(() => parseConfig('a: 1\na: 2'), FormatError, /^config\.yaml:2: text must be valid YAML data, got .*keys must be unique/);
    expectError(() => parseConfig('model: x', 'my.yaml'), InvalidOptionError, /^my\.yaml: model must be/);
  });
});

describe('defaultConfigYaml (dadm init-config template)', () => {
  it('parses back to exactly the defaults', () => {
    expect(parseConfig(defaultConfigYaml())).toEqual(defaultConfig());
  });

  it('has a comment line above every key', () => {
    const lines = defaultConfigYaml().split('\n');
    let keys = 0;
    lines.forEach((line, i) => {
      if (/^\s*[a-z_][a-z0-9_]*:/.test(line)) {
        keys++;
        expect(lines[i - 1], line).toMatch(/^\s*# \S/);
      }
    });
    // 5 top-level scalars + 14 sections + fields: autoencoder 2, training 11, threshold 4, iforest 5,
    // ecod 2, ensemble 4, transformer 13, sequence 2, onnx 2, quantization 7, drift 7, explain 5,
    // federated 23 fields and 4 subsections of 4 + 2 + 2 + 3 fields, limits 4
    expect(keys).toBe(125);
  });
});

describe('configToYaml', () => {
  it('is canonical: a round trip through YAML gives the same config and the same text', () => {
    const c = parseConfig('explain:\n  top_k: 3\ntraining:\n  seed: 7\nmodel: iforest\nquantization:\n  exclude: ["a b", "true", "x:y"]\n');
    const text = configToYaml(c);
    expect(parseConfig(text)).toEqual(c);
    expect(configToYaml(parseConfig(text))).toBe(text);
    expect(text).not.toContain('#');
    // Key order is fixed whatever the input order was.
    const keys = Object.keys(parseYaml(text) as object);
    expect(keys).toEqual(['model', 'schema', 'standardize', 'backend', 'threads', 'autoencoder', 'training', 'threshold', 'iforest', 'ecod', 'ensemble', 'transformer', 'sequence', 'onnx', 'quantization', 'drift', 'explain', 'federated', 'limits']);
    expect((parseYaml(text) as { quantization: { exclude: string[] } }).quantization.exclude).toEqual(['a b', 'true', 'x:y']);
  });

  it('rejects an invalid programmatic config', () => {
    const c = defaultConfig();
    c.training.batchSize = 0;
    expectError(() => configToYaml(c), InvalidOptionError, /^config: training\.batchSize must be a positive integer, got 0$/);
  });
});

describe('mergeConfig', () => {
  it('applies camelCase overrides without touching its arguments', () => {
    const base = defaultConfig();
    const merged = mergeConfig({ training: { epochs: 3 }, autoencoder: { hiddenDims: [16, 4] } }, base);
    expect(merged.training.epochs).toBe(3);
    expect(merged.training.batchSize).toBe(256);
    expect(merged.autoencoder.hiddenDims).toEqual([16, 4]);
    expect(base).toEqual(defaultConfig());
  });

  it('validates overrides with camelCase key paths', () => {
    expectError(() => mergeConfig({ training: { epochs: 0 } }), InvalidOptionError, /^options: training\.epochs must be an integer in \[1, 100000\], got 0$/);
  });
});

describe('loadConfig', () => {
  it('reads and parses a file, naming it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dadm-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'training:\n  epochs: 3\n');
    expect(loadConfig(good).training.epochs).toBe(3);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'training:\n  epochs: -1\n');
    expectError(() => loadConfig(bad), InvalidOptionError, new RegExp(`^${escapeRegExp(bad)}: training\\.epochs must be an integer in \\[1, 100000\\], got -1$`));
  });

  it('throws InvalidOptionError for a missing explicit path', () => {
    const missing = join(tmpdir(), 'dadm-no-such-dir', 'config.yaml');
    expectError(() => loadConfig(missing), InvalidOptionError, new RegExp(`^${escapeRegExp(missing)}: config file \\(--config\\) must exist, got ENOENT \\(no such file or directory\\)$`));
  });

  it('refuses a device or a directory as the config file without reading it', () => {
    expectError(() => loadConfig('/dev/zero'), InvalidOptionError, /^\/dev\/zero: config file \(--config\) must be a regular file, got a character device$/);
    expectError(() => loadConfig(tmpdir()), InvalidOptionError, /config file \(--config\) must be a regular file, got a directory$/);
  });
});
