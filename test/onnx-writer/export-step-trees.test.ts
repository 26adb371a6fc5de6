import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { GraphBuilder, encodeModel, makeModel } from '../../src/onnx/index.js';
import { addStepTreeEnsemble, stepTreeNodes } from '../../src/onnx-writer/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { applyCalibration, fitCalibration } from '../../src/stats/index.js';
import { Random, nextDownFloat32 } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';
import { runOrt } from './export-helpers.js';

describe('stepTreeNodes', () => {
  it('writes one balanced BRANCH_LEQ tree per feature, a lone leaf for a feature without thresholds', () => {
    const nodes = stepTreeNodes(
      [
        { feature: 1, thresholds: Float32Array.from([1, 2, 3]), values: Float64Array.from([10, 20, 30, 40]) },
        { feature: 0, thresholds: new Float32Array(0), values: Float64Array.from([7]) },
      ],
      2,
      'test',
    );
    // Tree 0: root splits at thresholds[1] = 2; steps 0..1 left (split at 1), steps 2..3 right (split at 3).
    expect(nodes.modes).toEqual(['BRANCH_LEQ', 'BRANCH_LEQ', 'BRANCH_LEQ', 'LEAF', 'LEAF', 'LEAF', 'LEAF', 'LEAF']);
    expect(nodes.values.slice(0, 3)).toEqual([2, 1, 3]);
    expect(nodes.trueIds.slice(0, 3)).toEqual([1, 3, 5]);
    expect(nodes.falseIds.slice(0, 3)).toEqual([2, 4, 6]);
    expect(nodes.targetWeights).toEqual([10, 20, 30, 40, 7]);
    expect(nodes.treeIds).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('refuses malformed step functions and features out of range', () => {
    const f = { feature: 0, thresholds: Float32Array.from([1, 2]), values: Float64Array.from([0, 1, 2]) };
    expectError(() => stepTreeNodes([{ ...f, values: Float64Array.from([0, 1]) }], 1, 'w'), FormatError, /^w: tree 0 values must have thresholds\.length \+ 1 = 3 entries, got 2$/);
    expectError(() => stepTreeNodes([{ ...f, feature: 1 }], 1, 'w'), FormatError, /^w: tree 0 feature must be a column in \[0, 1\), got 1$/);
  });
});

describe('addStepTreeEnsemble with an empirical-CDF calibration', () => {
  it('onnxruntime-web and dadm agree with applyCalibration on float32 scores at, below and above every step', async () => {
    // Float64 training scores that are not float32 values: the exported steps sit at floatThresholdBelow(t).
    const train = new Random(7).normalFill(new Float64Array(200)).map((v) => v + 1e-9);
    const cal = fitCalibration(train, 'ecdf');
    if (cal.method !== 'ecdf') throw new Error('ecdf expected');
    const probes: number[] = [-10, 10];
    for (const t of train) {
      const f = Math.fround(t);
      probes.push(f, nextDownFloat32(f), -nextDownFloat32(-f));
    }
    const x = Float32Array.from(probes);
    const b = new GraphBuilder('calibration');
    const input = b.input('input', 'float32', ['batch', 1]);
    addStepTreeEnsemble(b, input, [{ feature: 0, ...cal }], { prefix: 'cal', nFeatures: 1, output: 'calibrated', where: 'test' });
    b.output('calibrated', 'float32', ['batch']);
    const bytes = encodeModel(makeModel(b.build(), { mlOpset: 3 }));
    // The library applied to the float32 score the graph sees.
    const ref = applyCalibration(cal, x);
    const ort = await runOrt(bytes, x, [x.length, 1]);
    expect(ort.calibrated!.data).toBeAllclose(ref, { rtol: 1e-6, atol: 1e-7 });
    expect(loadOnnx(bytes).run({ input: { data: x, shape: [x.length, 1] } }).calibrated!.data).toBeAllclose(ref, { rtol: 1e-6, atol: 1e-7 });
  });
});
