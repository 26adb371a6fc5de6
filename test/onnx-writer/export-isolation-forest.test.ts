import { describe, expect, it } from 'vitest';

import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { IsolationForest } from '../../src/iforest/index.js';
import { exportIsolationForest } from '../../src/onnx-writer/index.js';
import { checkModel, encodeModel, onnx, toNumber } from '../../src/onnx/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/index.js';
import { runOrt } from './export-helpers.js';
import { loadReferenceForest, referenceForests } from '../iforest/reference-forests.js';
import { expectError } from '../tensor/expect-error.js';

const TOL = { rtol: 0, atol: 1e-5 };

/** The float32 just above a float32 `f` (test-local bit arithmetic). */
function nextUp32(f: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, f);
  const bits = v.getUint32(0);
  if (f === 0) return 2 ** -149;
  v.setUint32(0, f > 0 ? bits + 1 : bits - 1);
  return v.getFloat32(0);
}

/** The float32 just below a float32 `f`. */
function nextDown32(f: number): number {
  return -nextUp32(-f);
}

/**
 * Rows that sit on split thresholds: for every internal node of the first `nTrees` trees, copies of
 * `base` with the split column set to the float32 values around the float64 threshold t (the one
 * below-or-equal, Math.fround(t), and the one above).
 */
function thresholdRows(m: IsolationForest, base: Float32Array, nTrees: number): Float32Array {
  const { arrays, meta } = m.toArrays();
  const cols = meta.nFeaturesIn;
  const rows: number[] = [];
  for (let t = 0; t < nTrees; t++) {
    for (let g = arrays.nodeOffsets[t]!; g < arrays.nodeOffsets[t + 1]!; g++) {
      if (arrays.childrenLeft[g] === -1) continue;
      const col = arrays.features[t * meta.maxFeatures + arrays.feature[g]!]!;
      const thr = arrays.threshold[g]!;
      let below = Math.fround(thr);
      while (below > thr) below = nextDown32(below);
      for (const v of [below, Math.fround(thr), nextUp32(below)]) {
        const r = (rows.length / cols) % (base.length / cols);
        const row = Array.from(base.subarray(r * cols, (r + 1) * cols));
        row[col] = v;
        rows.push(...row);
      }
    }
  }
  return Float32Array.from(rows);
}

function fitted(opts: { rows: number; cols: number; maxFeatures: number; nEstimators: number; seed: number; integers?: boolean }) {
  const rng = new Random(opts.seed);
  const data = rng.normalFill(new Float32Array(opts.rows * opts.cols));
  if (opts.integers) for (let i = 0; i < data.length; i++) data[i] = Math.round(data[i]! * 2);
  const x = { data, shape: [opts.rows, opts.cols] as [number, number] };
  const m = new IsolationForest({ nEstimators: opts.nEstimators, maxSamples: 64, maxFeatures: opts.maxFeatures, seed: opts.seed }).fit(x);
  return { m, x };
}

async function expectScores(m: IsolationForest, x: Float32Array, cols: number, ref: ArrayLike<number>): Promise<void> {
  const n = x.length / cols;
  const bytes = encodeModel(exportIsolationForest(m.toArrays(), { dynamicBatch: true }));
  const out = await runOrt(bytes, x, [n, cols]);
  expect(out.score!.dims).toEqual([n]);
  expect(out.score!.data).toBeAllclose(ref, TOL);
  const dadm = loadOnnx(bytes).run({ input: { data: x, shape: [n, cols] } });
  expect(dadm.score!.data).toBeAllclose(ref, TOL);
}

describe('exportIsolationForest: dadm-fitted forests', () => {
  const cases = [
    { name: 'all features', rows: 400, cols: 6, maxFeatures: 1, nEstimators: 40, seed: 1 },
    { name: 'maxFeatures 0.5', rows: 400, cols: 8, maxFeatures: 0.5, nEstimators: 40, seed: 2 },
    { name: 'integer-valued data (ties)', rows: 300, cols: 5, maxFeatures: 1, nEstimators: 30, seed: 3, integers: true },
  ];
  for (const c of cases) {
    it(`scores like IsolationForest.anomalyScore in onnxruntime-web and the dadm runtime (${c.name})`, async () => {
      const { m, x } = fitted(c);
      const probe = new Random(c.seed + 50).normalFill(new Float32Array(50 * c.cols), 0, 2);
      const ties = thresholdRows(m, x.data, 10);
      const all = Float32Array.from([...x.data, ...probe, ...ties]);
      await expectScores(m, all, c.cols, m.anomalyScore({ data: all, shape: [all.length / c.cols, c.cols] }));
    });
  }

  it('outputs path_length = E[h(x)] (IsolationForest.pathLengths)', async () => {
    const { m, x } = fitted({ rows: 200, cols: 4, maxFeatures: 1, nEstimators: 20, seed: 4 });
    const out = await runOrt(encodeModel(exportIsolationForest(m.toArrays(), { dynamicBatch: true })), x.data, x.shape);
    expect(out.path_length!.data).toBeAllclose(m.pathLengths(x), { rtol: 1e-6, atol: 1e-5 });
  });

  it('exports single-leaf trees (constant data) whose score is exactly 0.5', async () => {
    const data = new Float32Array(40 * 3).fill(1.5);
    const m = new IsolationForest({ nEstimators: 5, seed: 0 }).fit({ data, shape: [40, 3] });
    const out = await runOrt(encodeModel(exportIsolationForest(m.toArrays())), data.subarray(0, 3), [1, 3]);
    expect(Array.from(out.score!.data)).toEqual([0.5]);
  });
});

describe('exportIsolationForest: scikit-learn forests of test/fixtures/iforest.json', () => {
  for (const f of referenceForests) {
    it(`scores -score_samples of ${f.id} (test and training rows) in onnxruntime-web and the dadm runtime`, async () => {
      const m = loadReferenceForest(f);
      const cols = f.n_features_in;
      await expectScores(m, Float32Array.from(f.test_X.data), cols, f.score_samples.map((s) => -s));
      await expectScores(m, Float32Array.from(f.train_X.data), cols, f.train_score_samples.map((s) => -s));
    });
  }
});

describe('exportIsolationForest graph', () => {
  const { m } = fitted({ rows: 200, cols: 4, maxFeatures: 0.5, nEstimators: 10, seed: 5 });
  const model = exportIsolationForest(m.toArrays(), { metadata: { 'dadm.model_type': 'isolation_forest' } });
  const decoded = onnx.decodeModel(encodeModel(model));
  const ens = decoded.graph!.node!.find((n) => n.opType === 'TreeEnsembleRegressor')!;
  const attr = (name: string) => ens.attribute!.find((a) => a.name === name)!;

  it('holds one TreeEnsembleRegressor (ai.onnx.ml 3) with every node, BRANCH_LEQ splits and SUM aggregation', () => {
    expect(ens.domain).toBe('ai.onnx.ml');
    expect(decoded.opsetImport!.map((o) => [o.domain, toNumber(o.version)])).toEqual([['', 17], ['ai.onnx.ml', 3]]);
    const { arrays } = m.toArrays();
    const nNodes = arrays.nodeOffsets[arrays.nodeOffsets.length - 1]!;
    expect(attr('nodes_modes').strings!.length).toBe(nNodes);
    const modes = Array.from(attr('nodes_modes').strings!, (s) => new TextDecoder().decode(s));
    expect(new Set(modes)).toEqual(new Set(['BRANCH_LEQ', 'LEAF']));
    expect(modes.filter((s) => s === 'LEAF').length).toBe(Array.from(arrays.childrenLeft).filter((c) => c === -1).length);
    expect(new TextDecoder().decode(attr('aggregate_function').s!)).toBe('SUM');
    expect(toNumber(attr('n_targets').i)).toBe(1);
  });

  it('declares input [1, D], outputs score [1] and path_length [1], metadata as given; passes checkModel', () => {
    const dims = (v: onnx.ValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue)));
    expect(decoded.graph!.input!.map((v) => [v.name, dims(v)])).toEqual([['input', [1, 4]]]);
    expect(decoded.graph!.output!.map((v) => [v.name, dims(v)])).toEqual([['score', [1]], ['path_length', [1]]]);
    expect(decoded.metadataProps!.map((p) => [p.key, p.value])).toEqual([['dadm.model_type', 'isolation_forest']]);
    expect(() => checkModel(decoded)).not.toThrow();
  });

  it('is deterministic: exporting twice gives identical bytes', () => {
    expect(encodeModel(exportIsolationForest(m.toArrays()))).toEqual(encodeModel(exportIsolationForest(m.toArrays())));
  });

  it('runs a fixed-batch export with OnnxModel.score one row at a time', () => {
    const runtime = loadOnnx(encodeModel(exportIsolationForest(m.toArrays())));
    const row = Float32Array.from([0.3, -1.2, 2.5, 0]);
    expect(runtime.score(row)).toBeAllclose(m.anomalyScore({ data: row, shape: [1, 4] }), TOL);
  });
});

describe('exportIsolationForest errors', () => {
  const { m } = fitted({ rows: 100, cols: 3, maxFeatures: 1, nEstimators: 3, seed: 6 });

  it('throws FormatError for arrays that do not describe trees', () => {
    const { arrays, meta } = m.toArrays();
    arrays.childrenLeft[0] = 999;
    expectError(() => exportIsolationForest({ arrays, meta }), FormatError, /exportIsolationForest: tree 0 node 0 children must be -1 \(both\) or in \[0, \d+\), got 999 and \d+/);
    const b = m.toArrays();
    b.arrays.features[1] = 3;
    expectError(() => exportIsolationForest(b), FormatError, /^exportIsolationForest: features\[1\] must be a column in \[0, 3\), got 3$/);
    const c = m.toArrays();
    c.arrays.threshold[0] = Number.NaN;
    expectError(() => exportIsolationForest(c), FormatError, /^exportIsolationForest: tree 0 node 0 threshold must be a number, got NaN$/);
  });

  it('throws InvalidOptionError for an mlOpset outside [1, 3] or a bad opset', () => {
    expectError(() => exportIsolationForest(m.toArrays(), { mlOpset: 4 }), InvalidOptionError, /exportIsolationForest: mlOpset must be an integer in \[1, 3\], got 4/);
    expectError(() => exportIsolationForest(m.toArrays(), { opset: 22 }), InvalidOptionError, /^exportIsolationForest: opset must be an integer in \[13, 21\], got 22$/);
  });
});
