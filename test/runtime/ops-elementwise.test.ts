/**
 * Runtime elementwise binary and unary ops on small graphs built with onnx-proto,
 * against naive implementations written here (or exactly known values).
 */
import { describe, expect, it } from 'vitest';
import { DT, node, tensor, valueInfo } from './build-model.js';
import { randValues, run1 } from './op-test-helpers.js';

const rand = randValues(7);

describe('elementwise binary ops', () => {
  it('Add/Sub/Mul/Div/Pow broadcast [2,3] with [3] and [3,1] with [1,4]', () => {
    const a = rand(6);
    const b = Float32Array.from(rand(3), (v) => v + (v >= 0 ? 1 : -1));
    const c = rand(3);
    const d = rand(4);
    const out = run1({
      nodes: [
        node('Add', ['a', 'b'], ['add']), node('Sub', ['a', 'b'], ['sub']), node('Mul', ['a', 'b'], ['mul']),
        node('Div', ['a', 'b'], ['div']), node('Pow', ['b', 'two'], ['pow']), node('Sub', ['c', 'd'], ['outer']),
      ],
      inputs: [valueInfo('a', [2, 3]), valueInfo('b', [3]), valueInfo('c', [3, 1]), valueInfo('d', [1, 4])],
      initializers: [tensor('two', [], [3])],
      outputs: ['add', 'sub', 'mul', 'div', 'pow', 'outer'],
    }, { a: { data: a, shape: [2, 3] }, b: { data: b, shape: [3] }, c: { data: c, shape: [3, 1] }, d: { data: d, shape: [1, 4] } });
    const bi = (i: number): number => b[i % 3]!;
    expect(out.add!.data).toBeAllclose(Array.from(a, (v, i) => v + bi(i)));
    expect(out.sub!.data).toBeAllclose(Array.from(a, (v, i) => v - bi(i)));
    expect(out.mul!.data).toBeAllclose(Array.from(a, (v, i) => v * bi(i)));
    expect(out.div!.data).toBeAllclose(Array.from(a, (v, i) => v / bi(i)));
    expect(out.pow!.data).toBeAllclose(Array.from(b, (v) => v ** 3));
    expect(out.outer!.shape).toEqual([3, 4]);
    expect(out.outer!.data).toBeAllclose(Array.from({ length: 12 }, (_, i) => c[Math.floor(i / 4)]! - d[i % 4]!));
  });

  it('integer Div truncates toward zero; Equal gives bool; Max/Min take 3 inputs', () => {
    const out = run1({
      nodes: [
        node('Div', ['i', 'j'], ['q']), node('Equal', ['i', 'j'], ['eq']),
        node('Max', ['x', 'y', 'z'], ['mx']), node('Min', ['x', 'y', 'z'], ['mn']),
      ],
      inputs: [valueInfo('x', [3]), valueInfo('y', [3]), valueInfo('z', [1])],
      initializers: [tensor('i', [4], [-7, 7, 6, -6], DT.INT64), tensor('j', [4], [2, 2, 6, 4], DT.INT64)],
      outputs: ['q', 'eq', 'mx', 'mn'],
    }, { x: { data: [1, 5, -3], shape: [3] }, y: { data: [4, 2, -1], shape: [3] }, z: { data: [0], shape: [1] } });
    expect(Array.from(out.q!.data)).toEqual([-3, 3, 1, -1]);
    expect(out.eq!.dtype).toBe('bool');
    expect(Array.from(out.eq!.data)).toEqual([0, 0, 1, 0]);
    expect(Array.from(out.mx!.data)).toEqual([4, 5, 0]);
    expect(Array.from(out.mn!.data)).toEqual([0, 0, -3]);
  });
});

describe('elementwise unary ops', () => {
  const x = Float32Array.of(-1.5, -0.25, 0.5, 2);
  const pos = Float32Array.of(0.25, 1, 2.5, 4);
  const cases: [string, Float32Array, (v: number) => number][] = [
    ['Relu', x, (v) => Math.max(v, 0)], ['Neg', x, (v) => -v], ['Abs', x, Math.abs], ['Exp', x, Math.exp],
    ['Tanh', x, Math.tanh], ['Sigmoid', x, (v) => 1 / (1 + Math.exp(-v))], ['Sqrt', pos, Math.sqrt], ['Log', pos, Math.log],
  ];
  for (const [op, input, f] of cases) {
    it(`${op} matches Math`, () => {
      const out = run1({ nodes: [node(op, ['x'], ['y'])], inputs: [valueInfo('x', [4])], outputs: ['y'] }, { x: { data: input, shape: [4] } });
      expect(out.y!.data).toBeAllclose(Array.from(input, f));
    });
  }

  it('Erf matches tabulated values', () => {
    const out = run1({ nodes: [node('Erf', ['x'], ['y'])], inputs: [valueInfo('x', [6])], outputs: ['y'] }, { x: { data: [0, 0.5, 1, -2, 3, 1e-4], shape: [6] } });
    // erf(0.5), erf(1), erf(2), erf(3) from Abramowitz & Stegun table 7.1; erf(x) ~ 2x/sqrt(pi) near 0.
    expect(out.y!.data).toBeAllclose([0, 0.5204998778, 0.8427007929, -0.9953222650, 0.9999779095, 1.1283791671e-4], { rtol: 1e-6, atol: 1e-7 });
  });
});
