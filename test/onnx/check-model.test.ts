import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { FormatError } from '../../src/errors.js';
import { attrGraph, checkModel, encodeModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, type MakeGraphOptions, type MakeModelOptions, onnx } from '../../src/onnx/index.js';
import { expectError } from '../tensor/expect-error.js';

const AT = onnx.AttributeType;

/** A valid graph: y = Relu(x @ w^T) -> Sigmoid; tests break one thing at a time. */
function parts(): MakeGraphOptions & { nodes: onnx.NodeProto[]; initializers: onnx.TensorProto[] } {
  return {
    name: 'g',
    nodes: [
      makeNode('Gemm', ['x', 'w'], ['h'], { name: 'gemm', attributes: { transB: 1 } }),
      makeNode('Relu', ['h'], ['r'], { name: 'relu' }),
      makeNode('Sigmoid', ['r'], ['y'], { name: 'sigmoid' }),
    ],
    inputs: [makeValueInfo('x', 'float32', ['batch', 3])],
    outputs: [makeValueInfo('y', 'float32', ['batch', 2])],
    initializers: [makeTensor({ name: 'w', dataType: 'float32', dims: [2, 3], values: [1, 2, 3, 4, 5, 6] })],
  };
}

function model(graph: Partial<MakeGraphOptions> = {}, options: MakeModelOptions = {}): onnx.ModelProto {
  return makeModel(makeGraph({ ...parts(), ...graph }), options);
}

function expectFormatError(m: onnx.ModelProto, pattern: RegExp): void {
  expectError(() => checkModel(m), FormatError, pattern);
}

describe('checkModel', () => {
  it('accepts a valid model, with optional absent inputs and an ai.onnx.ml node when imported', () => {
    expect(() => checkModel(model())).not.toThrow();
    const p = parts();
    p.nodes.push(makeNode('Clip', ['y', '', ''], ['c'], { name: 'clip' }));
    p.nodes.push(makeNode('Normalizer', ['c'], ['n'], { name: 'norm', domain: 'ai.onnx.ml', attributes: { norm: 'MAX' } }));
    expect(() => checkModel(model({ nodes: p.nodes }, { mlOpset: 3 }))).not.toThrow();
  });

  it('rejects a node output name used twice (single static assignment)', () => {
    const p = parts();
    p.nodes[1] = makeNode('Relu', ['h'], ['h'], { name: 'relu' });
    expectFormatError(model({ nodes: p.nodes }), /checkModel: node 'relu' \(Relu\) output 'h' must be a new name \(single static assignment\), got a name already defined by node 'gemm' \(Gemm\)/);
    const q = parts();
    q.nodes[0] = makeNode('Gemm', ['x', 'w'], ['w'], { name: 'gemm' });
    expectFormatError(model({ nodes: q.nodes }), /output 'w' must be a new name .* got a name already defined by initializer/);
  });

  it('rejects duplicate initializer, node, graph input and graph output names', () => {
    const p = parts();
    expectFormatError(model({ initializers: [p.initializers[0]!, p.initializers[0]!] }), /checkModel: initializer names must be unique, got 'w' twice/);
    p.nodes[2] = makeNode('Sigmoid', ['r'], ['y'], { name: 'relu' });
    expectFormatError(model({ nodes: p.nodes }), /checkModel: node names must be unique, got 'relu' twice/);
    const x = makeValueInfo('x', 'float32', [3]);
    expectFormatError(model({ inputs: [x, x] }), /checkModel: graph input names must be unique, got 'x' twice/);
    const y = makeValueInfo('y', 'float32', [3]);
    expectFormatError(model({ outputs: [y, y] }), /checkModel: graph output names must be unique, got 'y' twice/);
  });

  it('rejects an input that nothing defines', () => {
    const p = parts();
    p.nodes[1] = makeNode('Relu', ['hidden'], ['r'], { name: 'relu' });
    expectFormatError(model({ nodes: p.nodes }), /checkModel: node 'relu' \(Relu\) input 'hidden' must be a graph input, an initializer or an earlier node's output, got an undefined name/);
    const q = parts();
    q.nodes[1] = makeNode('Relu', ['hidden'], ['r']);
    expectFormatError(model({ nodes: q.nodes }), /checkModel: node #1 \(Relu\) input 'hidden'/);
  });

  it('rejects nodes out of topological order, naming the later producer', () => {
    const p = parts();
    expectFormatError(model({ nodes: [p.nodes[0]!, p.nodes[2]!, p.nodes[1]!] }), /checkModel: node 'sigmoid' \(Sigmoid\) input 'r' must be produced before the node \(nodes in topological order\), got it produced later by node 'relu' \(Relu\)/);
  });

  it('rejects a node that consumes its own output', () => {
    const p = parts();
    p.nodes[1] = makeNode('Add', ['h', 'r'], ['r'], { name: 'loop' });
    expectFormatError(model({ nodes: p.nodes }), /checkModel: node 'loop' \(Add\) input 'r' must be produced before the node, got the node's own output/);
  });

  it('rejects a node whose domain has no opset import', () => {
    const p = parts();
    p.nodes.push(makeNode('Normalizer', ['y'], ['n'], { name: 'norm', domain: 'ai.onnx.ml' }));
    expectFormatError(model({ nodes: p.nodes }), /checkModel: node 'norm' \(Normalizer\) domain 'ai.onnx.ml' must be declared in opset_import, got only ''/);
  });

  it('rejects initializers whose data size does not match their dims', () => {
    const short = { name: 'w', dataType: 1, dims: [2, 3], rawData: new Uint8Array(20) };
    expectFormatError(model({ initializers: [short] }), /checkModel: initializer 'w' raw_data must hold prod\(dims \[2,3\]\) \* 4 = 24 bytes for FLOAT, got 20/);
    const typed = { name: 'w', dataType: 1, dims: [2, 3], floatData: [1, 2, 3, 4, 5] };
    expectFormatError(model({ initializers: [typed] }), /checkModel: initializer 'w' float_data must hold prod\(dims \[2,3\]\) = 6 values, got 5/);
    const wrongField = { name: 'w', dataType: 1, dims: [1], int64Data: [1] };
    expectFormatError(model({ initializers: [wrongField] }), /initializer 'w' FLOAT values must be stored in float_data or raw_data, got int64_data/);
    const both = { name: 'w', dataType: 1, dims: [1], floatData: [1], rawData: new Uint8Array(4) };
    expectFormatError(model({ initializers: [both] }), /initializer 'w' must hold its values in exactly one value field, got float_data, raw_data/);
    const untyped = { name: 'w', dims: [1], floatData: [1] };
    expectFormatError(model({ initializers: [untyped] }), /initializer 'w' data_type must be set \(not UNDEFINED\), got 0/);
    const emptyWithData = { name: 'w', dataType: 1, dims: [0], floatData: [1] };
    expectFormatError(model({ initializers: [emptyWithData] }), /initializer 'w' has 0 elements \(dims \[0\]\) and must hold no data, got float_data/);
  });

  it('checks tensors inside attributes (a Constant value)', () => {
    const bad = { dataType: 7, dims: [2], rawData: new Uint8Array(8) };
    const p = parts();
    p.nodes.push(makeNode('Constant', [], ['k'], { name: 'const', attributes: { value: bad } }));
    expectFormatError(model({ nodes: p.nodes }), /checkModel: node 'const' \(Constant\) attribute 'value' tensor raw_data must hold prod\(dims \[2\]\) \* 8 = 16 bytes for INT64, got 8/);
  });

  it('rejects missing or unsupported ir_version and missing opset imports', () => {
    const m = model();
    expectFormatError({ ...m, irVersion: 0 }, /checkModel: ir_version must be set to an integer in \[1, 10\], got 0/);
    expectFormatError({ ...m, irVersion: 11 }, /checkModel: ir_version must be at most 10 \(onnx 1.16 schema\), got 11/);
    expectFormatError({ ...m, opsetImport: [] }, /checkModel: opset_import must be non-empty for ir_version >= 3, got none/);
    expectFormatError({ ...m, opsetImport: [{ domain: '', version: 13 }, { domain: '', version: 17 }] }, /opset_import domains must be unique, got '' twice/);
    expectFormatError({ ...m, metadataProps: [{ key: 'k', value: '1' }, { key: 'k', value: '2' }] }, /metadata_props keys must be unique, got 'k' twice/);
  });

  it('rejects graph inputs/outputs without a type and outputs that nothing produces', () => {
    expectFormatError(model({ inputs: [{ name: 'x' }] }), /checkModel: graph input 'x' must have a type, got none/);
    const noShape = { name: 'y', type: { tensorType: { elemType: 1 } } };
    expectFormatError(model({ outputs: [noShape] }), /checkModel: graph output 'y' must have a tensor shape, got none/);
    expectFormatError(model({ outputs: [makeValueInfo('score', 'float32', [1])] }), /checkModel: graph output 'score' must be produced by a node, an initializer or a graph input, got nothing that defines it/);
  });

  it('rejects malformed attributes', () => {
    const p = parts();
    const mismatch = { name: 'alpha', type: AT.INT, f: 1 };
    p.nodes[0] = { ...p.nodes[0]!, attribute: [mismatch] };
    expectFormatError(model({ nodes: p.nodes }), /checkModel: node 'gemm' \(Gemm\) attribute 'alpha' value field must match its type INT, got a FLOAT value/);
    const untyped = { name: 'alpha', f: 1 };
    p.nodes[0] = { ...p.nodes[0]!, attribute: [untyped] };
    expectFormatError(model({ nodes: p.nodes }), /attribute 'alpha' type must be set, got UNDEFINED/);
    const twice = { name: 'alpha', type: AT.FLOAT, f: 1 };
    p.nodes[0] = { ...p.nodes[0]!, attribute: [twice, twice] };
    expectFormatError(model({ nodes: p.nodes }), /node 'gemm' \(Gemm\) attribute names must be unique, got 'alpha' twice/);
  });

  it('checks subgraphs, which may use outer-scope names', () => {
    const branch = (input: string): onnx.GraphProto =>
      makeGraph({ name: 'then', nodes: [makeNode('Identity', [input], ['t'])], inputs: [], outputs: [makeValueInfo('t', 'float32', [])] });
    const cond = makeTensor({ name: 'cond', dataType: 'bool', dims: [], values: [true] });
    const withIf = (input: string): onnx.ModelProto => {
      const p = parts();
      p.nodes.push(makeNode('If', ['cond'], ['o'], { name: 'if', attributes: { then_branch: attrGraph(branch(input)), else_branch: branch('y') } }));
      return model({ nodes: p.nodes, initializers: [...p.initializers, cond] });
    };
    expect(() => checkModel(withIf('r'))).not.toThrow();
    expectFormatError(withIf('nope'), /checkModel: node 'if' \(If\) attribute 'then_branch' subgraph 'then': node #0 \(Identity\) input 'nope' must be a graph input, an initializer or an earlier node's output/);
  });

  it.each(['autoencoder_opset13.onnx', 'autoencoder_opset17.onnx', 'transformer_encoder_layer_opset17.onnx'])(
    'accepts the torch export %s, decoded and after re-encoding',
    (file) => {
      const decoded = onnx.decodeModel(readFileSync(new URL(`../fixtures/onnx/${file}`, import.meta.url)));
      expect(() => checkModel(decoded)).not.toThrow();
      const again = onnx.decodeModel(encodeModel(decoded));
      expect(() => checkModel(again)).not.toThrow();
      expect((again.graph as onnx.GraphProto).node!.length).toBe((decoded.graph as onnx.GraphProto).node!.length);
    },
  );

  describe("the 'untrusted' policy (what a reader refuses)", () => {
    const untrusted = { trust: 'untrusted', where: 'reader' } as const;

    it('leaves names, types and node order to the reader, but refuses versions it does not read', () => {
      const p = parts();
      const unordered = model({ nodes: [p.nodes[0]!, p.nodes[2]!, p.nodes[1]!] });
      unordered.graph!.name = '';
      expect(checkModel(unordered, untrusted)).toEqual(new Map([['', 17]]));
      expectError(() => checkModel(unordered), FormatError, /^checkModel: graph name must be non-empty, got ''$/);
      expectError(() => checkModel(model({}, { opsets: [{ domain: '', version: 6 }] }), untrusted), FormatError, /^reader: opset version of domain "ai.onnx" must be in \[7, 21\], got 6$/);
      expectError(() => checkModel({ ...model(), irVersion: 11 }, untrusted), FormatError, /^reader: ir_version must be in \[3, 10\], got 11$/);
    });

    it('refuses a subgraph node of an undeclared domain and graphs nested deeper than maxDepth', () => {
      const inner = makeGraph({ name: 'then', nodes: [makeNode('Normalizer', ['y'], ['t'], { domain: 'ai.onnx.ml' })], inputs: [], outputs: [makeValueInfo('t', 'float32', [])] });
      const p = parts();
      p.nodes.push(makeNode('If', ['y'], ['o'], { name: 'if', attributes: { then_branch: attrGraph(inner), else_branch: attrGraph(inner) } }));
      const m = model({ nodes: p.nodes });
      expectError(() => checkModel(m, untrusted), FormatError, /^reader: node 'if' \(If\) attribute 'else_branch' subgraph 'then': node #0 \(Normalizer\) domain 'ai.onnx.ml' must be declared in opset_import, got only ''$/);
      expectError(() => checkModel(m, { ...untrusted, maxDepth: 1 }), FormatError, /^reader: graph nesting depth must be at most 1 \(maxDepth\), got 2$/);
    });
  });
});
