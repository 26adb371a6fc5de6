import { describe, expect, it } from 'vitest';

import { InvalidOptionError } from '../../src/errors.js';
import { attrFloat, attrFloats, attrGraphs, attrInt, attrInts, attrString, attrStrings, attrTensors, makeAttribute, makeGraph, makeNode, makeTensor, onnx } from '../../src/onnx/index.js';
import { expectError } from '../tensor/expect-error.js';

const AT = onnx.AttributeType;
const tensor = makeTensor({ name: 'c', dataType: 'int64', dims: [1], values: [3] });
const graph = makeGraph({ name: 'g', nodes: [], inputs: [], outputs: [] });

describe('makeAttribute', () => {
  it.each([
    ['whole number -> INT', 3, AT.INT, 'i', 3],
    ['bigint -> INT', 5n, AT.INT, 'i', 5],
    ['boolean -> INT 0/1', true, AT.INT, 'i', 1],
    ['fractional number -> FLOAT', 0.5, AT.FLOAT, 'f', 0.5],
    ['attrFloat(1) -> FLOAT', attrFloat(1), AT.FLOAT, 'f', 1],
    ['attrInt(2) -> INT', attrInt(2), AT.INT, 'i', 2],
    ['whole numbers -> INTS', [1, 0, -2], AT.INTS, 'ints', [1, 0, -2]],
    ['mixed numbers -> FLOATS', [1, 0.5], AT.FLOATS, 'floats', [1, 0.5]],
    ['attrFloats of whole numbers -> FLOATS', attrFloats([1, 2]), AT.FLOATS, 'floats', [1, 2]],
    ['attrInts([]) -> INTS', attrInts([]), AT.INTS, 'ints', []],
  ] as const)('infers %s', (_label, value, type, field, expected) => {
    const a = makeAttribute('a', value);
    expect(a.type).toBe(type);
    expect(a[field]).toEqual(expected);
    expect(a.name).toBe('a');
  });

  it('infers STRING, TENSOR, GRAPH and their list kinds', () => {
    expect(makeAttribute('s', 'tanh')).toMatchObject({ type: AT.STRING, s: new TextEncoder().encode('tanh') });
    expect(makeAttribute('s', new Uint8Array([0, 255])).s).toEqual(new Uint8Array([0, 255]));
    expect(makeAttribute('s', attrString('x')).type).toBe(AT.STRING);
    expect(makeAttribute('t', tensor)).toMatchObject({ type: AT.TENSOR, t: tensor });
    expect(makeAttribute('g', graph)).toMatchObject({ type: AT.GRAPH, g: graph });
    expect(makeAttribute('ss', ['a', 'b']).strings).toHaveLength(2);
    expect(makeAttribute('ss', ['a', 'b']).type).toBe(AT.STRINGS);
    expect(makeAttribute('ss', attrStrings([])).type).toBe(AT.STRINGS);
    expect(makeAttribute('ts', [tensor, tensor]).type).toBe(AT.TENSORS);
    expect(makeAttribute('ts', attrTensors([tensor])).tensors).toEqual([tensor]);
    expect(makeAttribute('gs', [graph]).type).toBe(AT.GRAPHS);
    expect(makeAttribute('gs', attrGraphs([graph])).graphs).toEqual([graph]);
  });

  it('throws InvalidOptionError when the type cannot be inferred', () => {
    expectError(() => makeAttribute('perm', []), InvalidOptionError, /makeAttribute 'perm': an empty list must be typed with attrInts/);
    expectError(() => makeAttribute('m', [1, 'a'] as unknown as number[]), InvalidOptionError, /^makeAttribute 'm': list entries must all be numbers, all strings, all TensorProtos or all GraphProtos, got \[number, string\]$/);
    expectError(() => makeAttribute('o', { dims: [1] } as unknown as onnx.TensorProto), InvalidOptionError, /^makeAttribute 'o': value must be a number, .* got Object$/);
    expectError(() => makeAttribute('', 1), InvalidOptionError, /^makeAttribute: name must be non-empty/);
  });

  it('throws InvalidOptionError for integers beyond 2^53', () => {
    expectError(() => makeAttribute('i', 2 ** 60), InvalidOptionError, /^makeAttribute 'i': integer attribute values must be safe integers \(\|v\| < 2\^53\), got 1152921504606847000$/);
    expectError(() => attrInts([1n, 2n ** 62n]), InvalidOptionError, /^attrInts: integer attribute values must be safe integers \(\|v\| < 2\^53\), got 4611686018427387904$/);
  });
});

describe('makeNode', () => {
  it('sorts attributes by name, skips undefined ones and sets optional fields only when given', () => {
    const n = makeNode('Gemm', ['a', 'b', ''], ['y'], { attributes: { transB: 1, beta: attrFloat(1), alpha: undefined, Zeta: 0.5 } });
    expect(n.attribute!.map((a) => a.name)).toEqual(['Zeta', 'beta', 'transB']);
    expect(n.input).toEqual(['a', 'b', '']);
    for (const key of ['name', 'domain', 'docString']) expect(Object.prototype.hasOwnProperty.call(n, key)).toBe(false);
    const m = makeNode('LinearRegressor', ['x'], ['y'], { name: 'lr', domain: 'ai.onnx.ml', docString: 'd' });
    expect([m.name, m.domain, m.docString]).toEqual(['lr', 'ai.onnx.ml', 'd']);
  });

  it('throws InvalidOptionError for an empty opType', () => {
    expectError(() => makeNode('', ['x'], ['y']), InvalidOptionError, /makeNode: opType must be non-empty/);
  });
});
