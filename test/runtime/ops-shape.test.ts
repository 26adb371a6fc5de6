/**
 * Runtime shape ops (Shape, Gather, Unsqueeze/Squeeze, Concat, Reshape, Transpose, Slice), constants,
 * Cast, Where, Expand, Identity and constant folding on small graphs built with onnx-proto,
 * against naive implementations written here (or exactly known values).
 */
import { describe, expect, it } from 'vitest';
import { DT, node, tensor, valueInfo } from './build-model.js';
import { randValues, run1 } from './op-test-helpers.js';

const rand = randValues(7);

describe('shape ops and constant folding', () => {
  it('folds Shape -> Gather -> Unsqueeze -> Concat into the Reshape target (torch export pattern)', () => {
    const x = rand(24);
    const out = run1({
      nodes: [
        node('Shape', ['x'], ['s']), node('Gather', ['s', 'zero'], ['b'], { axis: 0 }), node('Unsqueeze', ['b', 'ax0'], ['b1']),
        node('Concat', ['b1', 'minus1'], ['target'], { axis: 0 }), node('Reshape', ['x', 'target'], ['y']),
      ],
      inputs: [valueInfo('x', [null, 3, 4])],
      initializers: [tensor('zero', [], [0], DT.INT64), tensor('ax0', [1], [0], DT.INT64), tensor('minus1', [1], [-1], DT.INT64)],
      outputs: ['y', 'target'],
    }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.shape).toEqual([2, 12]);
    expect(Array.from(out.target!.data)).toEqual([2, -1]);
    expect(out.y!.data).toEqual(x);
  });

  it('Reshape copies a dim for 0 and infers -1', () => {
    const out = run1({ nodes: [node('Reshape', ['x', 'shape'], ['y'])], inputs: [valueInfo('x', [2, 3, 4])], initializers: [tensor('shape', [3], [0, -1, 2], DT.INT64)], outputs: ['y'] }, { x: { data: rand(24), shape: [2, 3, 4] } });
    expect(out.y!.shape).toEqual([2, 6, 2]);
  });

  it('Unsqueeze/Squeeze take axes as an attribute before opset 13 and as an input from 13', () => {
    const x = { data: rand(6), shape: [2, 3] };
    const old = run1({ nodes: [node('Unsqueeze', ['x'], ['u'], { axes: [0, 3] }), node('Squeeze', ['u'], ['s'], { axes: [0] })], inputs: [valueInfo('x', [2, 3])], outputs: ['u', 's'], opset: 11 }, { x });
    expect(old.u!.shape).toEqual([1, 2, 3, 1]);
    expect(old.s!.shape).toEqual([2, 3, 1]);
    const cur = run1({ nodes: [node('Unsqueeze', ['x', 'ax'], ['u']), node('Squeeze', ['u'], ['s'])], inputs: [valueInfo('x', [2, 3])], initializers: [tensor('ax', [2], [0, -1], DT.INT64)], outputs: ['u', 's'], opset: 13 }, { x });
    expect(cur.u!.shape).toEqual([1, 2, 3, 1]);
    expect(cur.s!.shape).toEqual([2, 3]);
  });

  it('Transpose by perm', () => {
    const x = rand(24);
    const out = run1({ nodes: [node('Transpose', ['x'], ['y'], { perm: [2, 0, 1] })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'] }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.shape).toEqual([4, 2, 3]);
    const ref: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) ref.push(x[(i * 3 + j) * 4 + k]!);
    expect(Array.from(out.y!.data)).toEqual(ref);
  });

  it('Slice with inputs (negative step, INT64_MAX end in raw_data) and with attributes (opset 9)', () => {
    const x = Float32Array.from({ length: 20 }, (_, i) => i);
    const out = run1({
      nodes: [node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y']), node('Slice', ['x', 'st2', 'big', 'ax1'], ['z'])],
      inputs: [valueInfo('x', [4, 5])],
      initializers: [
        tensor('st', [2], [-1, 1], DT.INT64), tensor('en', [2], [-1e18, 5], DT.INT64), tensor('ax', [2], [0, 1], DT.INT64), tensor('sp', [2], [-2, 2], DT.INT64),
        tensor('st2', [1], [3], DT.INT64), { name: 'big', dims: [1], dataType: DT.INT64, rawData: new Uint8Array(BigInt64Array.of(9223372036854775807n).buffer) }, tensor('ax1', [1], [1], DT.INT64),
      ],
      outputs: ['y', 'z'],
    }, { x: { data: x, shape: [4, 5] } });
    expect(out.y!.shape).toEqual([2, 2]);
    expect(Array.from(out.y!.data)).toEqual([16, 18, 6, 8]);
    expect(Array.from(out.z!.data)).toEqual([3, 4, 8, 9, 13, 14, 18, 19]);
    const old = run1({ nodes: [node('Slice', ['x'], ['y'], { starts: [1], ends: [3], axes: [0] })], inputs: [valueInfo('x', [4, 5])], outputs: ['y'], opset: 9 }, { x: { data: x, shape: [4, 5] } });
    expect(Array.from(old.y!.data)).toEqual(Array.from({ length: 10 }, (_, i) => i + 5));
  });

  it('Gather along axis 1 with negative indices, Concat along axis 1', () => {
    const x = Float32Array.from({ length: 6 }, (_, i) => i);
    const out = run1({
      nodes: [node('Gather', ['x', 'idx'], ['g'], { axis: 1 }), node('Concat', ['x', 'g'], ['c'], { axis: 1 })],
      inputs: [valueInfo('x', [2, 3])], initializers: [tensor('idx', [2], [-1, 0], DT.INT64)], outputs: ['g', 'c'],
    }, { x: { data: x, shape: [2, 3] } });
    expect(Array.from(out.g!.data)).toEqual([2, 0, 5, 3]);
    expect(out.c!.shape).toEqual([2, 5]);
    expect(Array.from(out.c!.data)).toEqual([0, 1, 2, 2, 0, 3, 4, 5, 5, 3]);
  });

  it('Constant (value_floats, value_int), Cast, Where, Expand, Identity', () => {
    const out = run1({
      nodes: [
        node('Constant', [], ['cf'], { value_floats: { floats: [0.5, -1.5] } }), node('Constant', [], ['ci'], { value_int: 3 }),
        node('Cast', ['x'], ['xi'], { to: DT.INT32 }), node('Cast', ['x'], ['xb'], { to: DT.BOOL }),
        node('Where', ['xb', 'x', 'cf'], ['w']), node('Expand', ['cf', 'shape'], ['e']), node('Identity', ['e'], ['id']),
      ],
      inputs: [valueInfo('x', [2, 2])], initializers: [tensor('shape', [2], [3, 1], DT.INT64)],
      outputs: ['cf', 'ci', 'xi', 'w', 'id'],
    }, { x: { data: [2.7, 0, -2.7, 1], shape: [2, 2] } });
    expect(Array.from(out.cf!.data)).toEqual([0.5, -1.5]);
    expect(out.ci!.dtype).toBe('int64');
    expect(Array.from(out.ci!.data)).toEqual([3]);
    expect(Array.from(out.xi!.data)).toEqual([2, 0, -2, 1]);
    expect(out.w!.data).toBeAllclose([2.7, -1.5, -2.7, 1]);
    expect(out.id!.shape).toEqual([3, 2]);
    expect(Array.from(out.id!.data)).toEqual([0.5, -1.5, 0.5, -1.5, 0.5, -1.5]);
  });
});
