import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { npyStrings, readNpyFile, readNpzTyped, writeNpyFile } from '../../../src/io/index.js';
import { ENDPOINT_V1 } from '../../../src/schema/index.js';
import { DataError, InvalidOptionError } from '../../../src/errors.js';
import { drift, generateData, readDriftReference, train } from '../../../src/pipeline/index.js';
import { expectError } from '../../tensor/expect-error.js';
import { smallConfig, tempDir } from '../helpers.js';

const dir = tempDir('dadm-drift-train-');
const data = join(dir, 'data.npy');
generateData({ rows: 3000, out: data, seed: 4, anomalyRate: 0.02 });

describe('the drift reference written by train', () => {
  it('carries the format marker, feature names, schema hash and width, and loads without pickles', () => {
    const t = train({ data, outDir: join(dir, 'ae'), config: smallConfig() });
    const path = join(dir, 'ae', 'drift_reference.npz');
    const ref = readDriftReference(path);
    expect(ref.featureNames).toEqual(ENDPOINT_V1.featureNames.slice(0, 12));
    expect(ref.schemaHash).toBe(ENDPOINT_V1.hash);
    expect(ref.schemaName).toBe('endpoint-v1');
    expect(ref.schemaVersion).toBe(ENDPOINT_V1.version);
    expect(ref.cols).toBe(64);
    expect(ref.rows).toBe(3000);
    expect(ref.exact).toBe(true);
    expect(ref.sampleRows).toBe(3000);
    expect(ref.scaler).toBeNull();
    expect(ref.score.rows).toBe(t.metrics.validationRows);
    expect(ref.score.threshold).toBe(t.metrics.threshold);
    // Text members are NumPy unicode arrays: np.load(path)["feature_names"] gives the names as strings.
    const members = readNpzTyped(readFileSync(path), path, { text: true });
    expect(members.get('feature_names')!.dtype).toMatch(/^<U\d+$/);
    expect(npyStrings(members.get('feature_names')!, 'feature_names')).toEqual(ref.featureNames);
    expect(npyStrings(members.get('schema_name')!, 'schema_name')).toEqual(['endpoint-v1']);
    expect(members.get('meta_json')!.shape).toEqual([]);
    const meta = JSON.parse(npyStrings(members.get('meta_json')!, 'meta_json')[0]!) as Record<string, unknown>;
    expect(meta).toMatchObject({ format: 'dadm-drift-reference', version: 1, cols: 64, bins: 10, standardized: false });
    expect(meta).toMatchObject({ schema_name: 'endpoint-v1', schema_version: ENDPOINT_V1.version, schema_hash: ENDPOINT_V1.hash });
  });

  it('gives PSI exactly 0 for the training file itself, with or without a standardizer', () => {
    for (const standardize of [false, true]) {
      const out = join(dir, `self-${standardize}`);
      train({ data, outDir: out, config: smallConfig({ standardize, drift: { sampleRows: 500 } }) });
      const ref = readDriftReference(join(out, 'drift_reference.npz'));
      expect(ref.scaler === null).toBe(!standardize);
      expect(ref.sampleRows).toBe(500);
      const r = drift({ reference: join(out, 'drift_reference.npz'), current: data, model: join(out, 'model.safetensors') });
      expect(r.features.map((f) => f.psi)).toEqual(new Array(12).fill(0));
      expect(r.verdict).toBe('ok');
      expect(r.score?.status).toBe('ok');
    }
  });

  it('measures score drift with an isolation forest too', () => {
    const out = join(dir, 'forest');
    train({ data, outDir: out, config: smallConfig({ model: 'iforest' }) });
    const r = drift({ reference: join(out, 'drift_reference.npz'), current: data, model: join(out, 'model.safetensors') });
    expect(r.score?.modelType).toBe('iforest');
    expect(r.score!.ks.statistic).toBeLessThan(0.1);
  });

  it('refuses a batch row whose score is not finite with DataError naming file and row', () => {
    const ae = join(dir, 'ae');
    const rows = Float32Array.from(readNpyFile(data).data as Float32Array).subarray(0, 200 * 64);
    rows[37 * 64 + 2] = 1e30;
    const huge = join(dir, 'huge.npy');
    writeNpyFile(huge, { data: rows, shape: [200, 64] });
    expectError(
      () => drift({ reference: join(ae, 'drift_reference.npz'), current: huge, model: join(ae, 'model.safetensors') }),
      DataError,
      /huge\.npy: row 37 score must be finite, got Infinity \(the model overflows or fails on the row's values\)$/,
    );
  });

  it('refuses a model of another run or another schema with InvalidOptionError', () => {
    const ae = join(dir, 'ae', 'drift_reference.npz');
    expectError(
      () => drift({ reference: ae, current: data, model: join(dir, 'forest', 'model.safetensors') }),
      InvalidOptionError,
      /^drift: --model .*forest\/model\.safetensors must be the model trained with .*ae\/drift_reference\.npz \(training id [0-9a-f]{12}\), got training id [0-9a-f]{12} \(files of two train runs\)$/,
    );
    train({ data, outDir: join(dir, 'generic'), config: smallConfig({ schema: 'none' }) });
    expectError(
      () => drift({ reference: ae, current: data, model: join(dir, 'generic', 'model.safetensors') }),
      InvalidOptionError,
      /^drift: --model .*generic\/model\.safetensors schema must be the reference's \(hash [0-9a-f]{12} in .*ae\/drift_reference\.npz\), got \S+ \(hash [0-9a-f]{12}\)$/,
    );
  });
});
