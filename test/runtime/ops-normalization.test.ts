/**
 * Runtime reductions, Softmax and LayerNormalization (fused and decomposed) on small graphs built
 * with onnx-proto,
 * against naive implementations written here (or exactly known values).
 */
import { describe, expect, it } from 'vitest';
import { DT, node, tensor, valueInfo } from './build-model.js';
import { randValues, run1 } from './op-test-helpers.js';

const rand = randValues(7);

describe('reductions', () => {
  const x = rand(24);
  const sumOver = (axes: number[], keep: boolean): { data: number[]; shape: number[] } => {
    const shape = [2, 3, 4];
    const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const data = new Array<number>(outShape.reduce((p, d) => p * d, 1)).fill(0);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
      const o = [i, j, k].map((v, d) => (axes.includes(d) ? 0 : v));
      data[(o[0]! * outShape[1]! + o[1]!) * outShape[2]! + o[2]!]! += x[(i * 3 + j) * 4 + k]!;
    }
    return { data, shape: keep ? outShape : outShape.filter((_, d) => !axes.includes(d)) };
  };

  it('ReduceMean with axes attribute (opset 13) and keepdims=0', () => {
    const out = run1({ nodes: [node('ReduceMean', ['x'], ['y'], { axes: [-1], keepdims: 0 })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'], opset: 13 }, { x: { data: x, shape: [2, 3, 4] } });
    const ref = sumOver([2], false);
    expect(out.y!.shape).toEqual(ref.shape);
    expect(out.y!.data).toBeAllclose(ref.data.map((v) => v / 4));
  });

  it('ReduceMean with axes input (opset 18) over non-adjacent axes [0,2], keepdims=1', () => {
    const out = run1({ nodes: [node('ReduceMean', ['x', 'axes'], ['y'])], inputs: [valueInfo('x', [2, 3, 4])], initializers: [tensor('axes', [2], [0, 2], DT.INT64)], outputs: ['y'], opset: 18 }, { x: { data: x, shape: [2, 3, 4] } });
    const ref = sumOver([0, 2], true);
    expect(out.y!.shape).toEqual([1, 3, 1]);
    expect(out.y!.data).toBeAllclose(ref.data.map((v) => v / 8));
  });

  it('ReduceSum with axes input (opset 13) and with no axes (all elements)', () => {
    const out = run1({
      nodes: [node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: 0 }), node('ReduceSum', ['x'], ['all'], { keepdims: 0 })],
      inputs: [valueInfo('x', [2, 3, 4])], initializers: [tensor('axes', [1], [1], DT.INT64)], outputs: ['y', 'all'], opset: 13,
    }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.data).toBeAllclose(sumOver([1], false).data);
    expect(out.all!.shape).toEqual([]);
    expect(out.all!.data).toBeAllclose([Array.from(x).reduce((p, v) => p + v, 0)]);
  });
});

describe('Softmax', () => {
  const x = Float32Array.from(rand(24), (v) => v * 20);
  const softmax = (vals: number[]): number[] => {
    const m = Math.max(...vals);
    const e = vals.map((v) => Math.exp(v - m));
    const s = e.reduce((p, v) => p + v, 0);
    return e.map((v) => v / s);
  };

  it('opset 13: over the single axis 1 of [2,3,4]', () => {
    const out = run1({ nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'], opset: 13 }, { x: { data: x, shape: [2, 3, 4] } });
    const ref = new Array<number>(24);
    for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) {
      const idx = [0, 1, 2].map((j) => (i * 3 + j) * 4 + k);
      softmax(idx.map((t) => x[t]!)).forEach((v, j) => (ref[idx[j]!] = v));
    }
    expect(out.y!.data).toBeAllclose(ref);
  });

  it('opset 11: coerced to 2-D at axis 1 (normalizes over 12 values)', () => {
    const out = run1({ nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'], opset: 11 }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.data).toBeAllclose([...softmax(Array.from(x.subarray(0, 12))), ...softmax(Array.from(x.subarray(12)))]);
  });
});

describe('LayerNormalization', () => {
  const x = rand(12);
  const scale = rand(4);
  const bias = rand(4);
  const ref: number[] = [];
  for (let r = 0; r < 3; r++) {
    const row = Array.from(x.subarray(r * 4, r * 4 + 4));
    const mean = row.reduce((p, v) => p + v, 0) / 4;
    const variance = row.reduce((p, v) => p + (v - mean) ** 2, 0) / 4;
    row.forEach((v, i) => ref.push(((v - mean) / Math.sqrt(variance + 1e-5)) * scale[i]! + bias[i]!));
  }

  it('fused op (opset 17) over the last axis', () => {
    const out = run1({ nodes: [node('LayerNormalization', ['x', 's', 'b'], ['y'], { axis: -1, epsilon: 1e-5 })], inputs: [valueInfo('x', [3, 4])], initializers: [tensor('s', [4], scale), tensor('b', [4], bias)], outputs: ['y'] }, { x: { data: x, shape: [3, 4] } });
    expect(out.y!.data).toBeAllclose(ref);
  });

  it('decomposed form (ReduceMean, Sub, Pow, Add, Sqrt, Div, Mul, Add) as opset-13 exporters write it', () => {
    const out = run1({
      nodes: [
        node('ReduceMean', ['x'], ['mu'], { axes: [-1] }), node('Sub', ['x', 'mu'], ['d']), node('Pow', ['d', 'two'], ['d2']),
        node('ReduceMean', ['d2'], ['var'], { axes: [-1] }), node('Add', ['var', 'eps'], ['ve']), node('Sqrt', ['ve'], ['sd']),
        node('Div', ['d', 'sd'], ['n']), node('Mul', ['n', 's'], ['ns']), node('Add', ['ns', 'b'], ['y']),
      ],
      inputs: [valueInfo('x', [3, 4])],
      initializers: [tensor('two', [], [2]), tensor('eps', [], [1e-5]), tensor('s', [4], scale), tensor('b', [4], bias)],
      outputs: ['y'], opset: 13,
    }, { x: { data: x, shape: [3, 4] } });
    expect(out.y!.data).toBeAllclose(ref);
  });
});
