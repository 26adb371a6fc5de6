import { describe, expect, it } from 'vitest';
import { ECOD } from '../../src/ecod/index.js';
import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { checkModel, encodeModel } from '../../src/onnx/index.js';
import { exportEcod } from '../../src/onnx-writer/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { Random, nextDownFloat32 } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';
import { runOrt } from './export-helpers.js';

/** The float32 just above a float32 `f` (test-local bit arithmetic). */
function nextUp32(f: number): number {
  return -nextDownFloat32(-f);
}

/** Training data: normal, exponential (skewed right), integers (heavy ties), negated exponential. */
function trainingData(rows: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const x = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    const u = rng.uniformFill(new Float32Array(2), 1e-6, 1);
    x[r * 4] = rng.normalFill(new Float32Array(1))[0]!;
    x[r * 4 + 1] = -Math.log(u[0]!);
    x[r * 4 + 2] = Math.floor(u[1]! * 5);
    x[r * 4 + 3] = Math.log(u[1]!);
  }
  return x;
}

/**
 * Probe rows: the training rows, then rows whose every column sits on a training value or one float32
 * step either side of it (the table thresholds are those values or the float32 below them), and rows
 * beyond both ends of the range.
 */
function probeRows(train: Float32Array, rows: number): Float32Array {
  const out: number[] = Array.from(train);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(train.subarray(r * 4, r * 4 + 4));
    out.push(...row.map(nextDownFloat32), ...row.map(nextUp32));
  }
  out.push(-1e6, -1e6, -1e6, -1e6, 1e6, 1e6, 1e6, 1e6);
  return Float32Array.from(out);
}

async function expectAgreement(m: ECOD, probes: Float32Array): Promise<void> {
  const n = probes.length / 4;
  const ref = m.anomalyScore({ data: probes, shape: [n, 4] });
  const bytes = encodeModel(exportEcod(m.toArrays(), { dynamicBatch: true }));
  const ort = await runOrt(bytes, probes, [n, 4]);
  expect(ort.score!.dims).toEqual([n]);
  expect(ort.score!.data).toBeAllclose(ref, { rtol: 1e-5, atol: 0 });
  const dadm = loadOnnx(bytes).run({ input: { data: probes, shape: [n, 4] } });
  expect(dadm.score!.data).toBeAllclose(ref, { rtol: 1e-5, atol: 0 });
}

describe('exportEcod', () => {
  it('onnxruntime-web and dadm agree with ECOD.anomalyScore on training rows, float32 neighbours of every threshold and out-of-range rows', async () => {
    const rows = 300;
    const train = trainingData(rows, 1);
    const m = new ECOD().fit({ data: train, shape: [rows, 4] });
    await expectAgreement(m, probeRows(train, rows));
  });

  it('agrees with merged tables (tolerance 0.05) too, and the graph shrinks', async () => {
    const rows = 1000;
    const train = trainingData(rows, 2);
    const exact = new ECOD().fit({ data: train, shape: [rows, 4] });
    const merged = new ECOD({ tolerance: 0.05 }).fit({ data: train, shape: [rows, 4] });
    await expectAgreement(merged, probeRows(train, 200));
    const size = (m: ECOD) => encodeModel(exportEcod(m.toArrays())).length;
    expect(size(merged)).toBeLessThan(size(exact) / 2);
  });

  it('writes a checked model with input [1, D] and output score [1] by default', () => {
    const m = new ECOD().fit({ data: trainingData(50, 3), shape: [50, 4] });
    const model = exportEcod(m.toArrays());
    checkModel(model);
    const run = loadOnnx(encodeModel(model));
    const row = trainingData(1, 4);
    expect(run.run({ input: { data: row, shape: [1, 4] } }).score!.data).toBeAllclose(m.anomalyScore({ data: row, shape: [1, 4] }), { rtol: 1e-5, atol: 0 });
  });

  it('refuses arrays that are not ECOD tables and bad options', () => {
    const cp = new ECOD().fit({ data: trainingData(20, 5), shape: [20, 4] }).toArrays();
    const broken = structuredClone(cp);
    broken.arrays.offsets[4] = 3;
    expectError(() => exportEcod(broken), FormatError, /^exportEcod: arrays must be ECOD\.toArrays\(\) output/);
    const unsorted = structuredClone(cp);
    unsorted.arrays.thresholds.reverse();
    expectError(() => exportEcod(unsorted), FormatError, /^exportEcod: tree 0 thresholds must be strictly ascending/);
    expectError(() => exportEcod(cp, { mlOpset: 4 }), InvalidOptionError, /^exportEcod: mlOpset must be an integer in \[1, 3\], got 4$/);
  });
});
