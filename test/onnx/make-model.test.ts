import { describe, expect, it } from 'vitest';

import { InvalidOptionError } from '../../src/errors.js';
import { attrFloat, attrFloats, attrInts, checkModel, encodeModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, onnx, toNumber } from '../../src/onnx/index.js';
import { expectError } from '../tensor/expect-error.js';

const AT = onnx.AttributeType;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Decoded sub-messages are class instances, so their repeated fields are always arrays. */
const graphOf = (m: { graph?: onnx.GraphProto | null }): onnx.GraphProto => m.graph as onnx.GraphProto;

/** A model whose single custom-domain node carries one attribute of every kind the builder writes. */
function modelWithEveryAttributeKind(metadata: Record<string, string>): onnx.ModelProto {
  const sub = makeGraph({
    name: 'branch',
    nodes: [makeNode('Identity', ['x'], ['y'])],
    inputs: [],
    outputs: [makeValueInfo('y', 'float32', ['batch', 4])],
  });
  const t = makeTensor({ name: 'tv', dataType: 'int64', dims: [2], values: [7, -7] });
  const node = makeNode('Everything', ['x'], ['z'], {
    name: 'every',
    domain: 'test.dadm',
    docString: 'all kinds',
    attributes: {
      f: 0.25,
      i: -3,
      s: 'hello',
      t,
      g: sub,
      floats: attrFloats([1, 0.5]),
      ints: attrInts([4, 5, 6]),
      strings: ['p', 'q'],
      tensors: [t, t],
      graphs: [sub],
      alpha: attrFloat(1),
      inexact: 0.1,
    },
  });
  const graph = makeGraph({
    name: 'main',
    nodes: [node],
    inputs: [makeValueInfo('x', 'float32', ['batch', 4])],
    outputs: [makeValueInfo('z', 'float32', ['batch', null])],
    initializers: [makeTensor({ name: 'w', dataType: 'float32', dims: [2, 2], values: [1, 2, 3, 4] })],
    docString: 'graph doc',
    valueInfo: [makeValueInfo('x2', 'float64', [3])],
  });
  return makeModel(graph, {
    opsets: [{ domain: '', version: 13 }, { domain: 'test.dadm', version: 1 }],
    mlOpset: 3,
    producerVersion: '0.1.0',
    metadataProps: metadata,
    docString: 'model doc',
    modelVersion: 42,
    domain: 'ai.dadm',
  });
}

describe('makeModel / encodeModel', () => {
  it('round-trips every attribute kind through encode and decode', () => {
    const bytes = encodeModel(modelWithEveryAttributeKind({ a: '1' }));
    const m = onnx.decodeModel(bytes);
    const attrs = new Map((graphOf(m).node![0]!.attribute as onnx.AttributeProto[]).map((a) => [a.name, a]));
    expect([...attrs.keys()]).toEqual(['alpha', 'f', 'floats', 'g', 'graphs', 'i', 'inexact', 'ints', 's', 'strings', 't', 'tensors']);
    expect(attrs.get('f')).toMatchObject({ type: AT.FLOAT, f: 0.25 });
    expect(attrs.get('alpha')).toMatchObject({ type: AT.FLOAT, f: 1 });
    expect(attrs.get('inexact')!.f).toBe(Math.fround(0.1));
    expect(attrs.get('i')!.type).toBe(AT.INT);
    expect(toNumber(attrs.get('i')!.i)).toBe(-3);
    expect(text(attrs.get('s')!.s!)).toBe('hello');
    expect(attrs.get('t')!.type).toBe(AT.TENSOR);
    expect(Array.from((attrs.get('t')!.t as onnx.TensorProto).rawData!)).toEqual([7, 0, 0, 0, 0, 0, 0, 0, 249, 255, 255, 255, 255, 255, 255, 255]);
    expect(graphOf({ graph: attrs.get('g')!.g }).name).toBe('branch');
    expect(graphOf({ graph: attrs.get('g')!.g }).node![0]!.opType).toBe('Identity');
    expect(attrs.get('floats')).toMatchObject({ type: AT.FLOATS, floats: Float32Array.of(1, 0.5) });
    expect(attrs.get('ints')!.ints).toEqual(Int32Array.of(4, 5, 6));
    expect(Array.from(attrs.get('strings')!.strings!, text)).toEqual(['p', 'q']);
    expect(attrs.get('tensors')!.tensors!.map((x) => x.name)).toEqual(['tv', 'tv']);
    expect(attrs.get('graphs')!.graphs!.map((x) => x.name)).toEqual(['branch']);
    for (const a of attrs.values()) expect(a.type).not.toBe(AT.UNDEFINED);
    // decode -> encode gives the same bytes back
    expect(encodeModel(m)).toEqual(bytes);
  });

  it('round-trips model, graph and value-info fields', () => {
    const m = onnx.decodeModel(encodeModel(modelWithEveryAttributeKind({ a: '1' })));
    expect(toNumber(m.irVersion)).toBe(8);
    expect(m.opsetImport!.map((o) => [o.domain, toNumber(o.version)])).toEqual([['', 13], ['test.dadm', 1], ['ai.onnx.ml', 3]]);
    expect([m.producerName, m.producerVersion, m.docString, m.domain, toNumber(m.modelVersion)]).toEqual(['dadm', '0.1.0', 'model doc', 'ai.dadm', 42]);
    const g = graphOf(m);
    expect([g.name, g.docString]).toEqual(['main', 'graph doc']);
    const node = g.node![0]!;
    expect([node.name, node.opType, node.domain, node.docString, node.input, node.output]).toEqual(['every', 'Everything', 'test.dadm', 'all kinds', ['x'], ['z']]);
    const dims = g.input![0]!.type!.tensorType!.shape!.dim!;
    expect(g.input![0]!.type!.tensorType!.elemType).toBe(onnx.DataType.FLOAT);
    expect(dims[0]!.dimParam).toBe('batch');
    expect(toNumber(dims[1]!.dimValue)).toBe(4);
    const outDims = g.output![0]!.type!.tensorType!.shape!.dim!;
    expect(Object.prototype.hasOwnProperty.call(outDims[1], 'dimValue') || Object.prototype.hasOwnProperty.call(outDims[1], 'dimParam')).toBe(false);
    expect(g.valueInfo![0]!.type!.tensorType!.elemType).toBe(onnx.DataType.DOUBLE);
    expect(g.initializer![0]!.name).toBe('w');
  });

  it('writes the defaults: IR 8, opset 17, producer dadm, and no unset optional field', () => {
    const graph = makeGraph({ name: 'g', nodes: [makeNode('Relu', ['x'], ['y'])], inputs: [makeValueInfo('x', 'float32', [2])], outputs: [makeValueInfo('y', 'float32', [2])] });
    const bytes = encodeModel(makeModel(graph));
    const m = onnx.decodeModel(bytes);
    expect(toNumber(m.irVersion)).toBe(8);
    expect(m.opsetImport!.map((o) => [o.domain, toNumber(o.version)])).toEqual([['', 17]]);
    expect(m.producerName).toBe('dadm');
    for (const key of ['producerVersion', 'docString', 'domain', 'modelVersion']) expect(Object.prototype.hasOwnProperty.call(m, key)).toBe(false);
    expect(m.metadataProps).toBeUndefined();
    // protobuf wire format by hand: field 1 (ir_version) varint 8, then field 2 (producer_name) "dadm"
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x08, 0x08, 0x12, 0x04, 0x64, 0x61, 0x64, 0x6d]);
    expect(bytes.constructor).toBe(Uint8Array);
    expect(() => checkModel(m)).not.toThrow();
  });

  it('is deterministic: encoding twice and building twice give identical bytes', () => {
    const model = modelWithEveryAttributeKind({ b: '2', a: '1' });
    expect(encodeModel(model)).toEqual(encodeModel(model));
    expect(encodeModel(modelWithEveryAttributeKind({ b: '2', a: '1' }))).toEqual(encodeModel(model));
  });

  it('writes metadata_props sorted by key, so insertion order does not change the bytes', () => {
    const a = encodeModel(modelWithEveryAttributeKind({ zeta: 'z', alpha: 'a', Beta: 'b' }));
    const b = encodeModel(modelWithEveryAttributeKind({ alpha: 'a', Beta: 'b', zeta: 'z' }));
    expect(a).toEqual(b);
    expect(onnx.decodeModel(a).metadataProps!.map((e) => [e.key, e.value])).toEqual([['Beta', 'b'], ['alpha', 'a'], ['zeta', 'z']]);
  });

  it('throws InvalidOptionError for bad model options', () => {
    const g = makeGraph({ name: 'g', nodes: [], inputs: [], outputs: [] });
    expectError(() => makeModel(g, { irVersion: 11 }), InvalidOptionError, /makeModel: irVersion must be an integer in \[1, 10\], got 11/);
    expectError(() => makeModel(g, { opsets: [{ domain: '', version: 0 }] }), InvalidOptionError, /^makeModel: opset version of domain '' must be a positive integer, got 0$/);
    expectError(() => makeModel(g, { opsets: [{ domain: 'ai.onnx.ml', version: 3 }], mlOpset: 2 }), InvalidOptionError, /^makeModel: opset domains must be unique, got 'ai.onnx.ml' twice$/);
    expectError(() => makeModel(g, { modelVersion: 1.5 }), InvalidOptionError, /^makeModel: modelVersion must be an integer, got 1.5$/);
    expectError(() => makeModel(g, { metadataProps: { k: 1 as unknown as string } }), InvalidOptionError, /^makeModel: metadataProps\['k'\] must be a string, got number$/);
    expectError(() => makeGraph({ name: '', nodes: [], inputs: [], outputs: [] }), InvalidOptionError, /^makeGraph: name must be non-empty/);
    expectError(() => makeValueInfo('x', 'float32', [-1]), InvalidOptionError, /^makeValueInfo 'x': dims must be non-negative integers or names, got -1$/);
  });
});
