/**
 * Runtime ai.onnx.ml TreeEnsembleRegressor on a hand-built two-tree ensemble, and the SUPPORTED_OPS list,
 * against naive implementations written here (or exactly known values).
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.js';
import { ByteList } from '../../src/protobuf/index.js';
import { SUPPORTED_OPS, decodeModel, loadOnnx } from '../../src/runtime/index.js';
import { expectError } from '../tensor/expect-error.js';
import { modelBytes, modelProto, node, valueInfo, type ModelSpec } from './build-model.js';
import { run1 } from './op-test-helpers.js';

describe('TreeEnsembleRegressor', () => {
  // Tree 0: x0 <= 0.5 ? (x1 < 2 ? 1 : 2) : 3.   Tree 1: x1 >= 1 ? 10 : 20.
  const attrs = {
    nodes_treeids: [0, 0, 0, 0, 0, 1, 1, 1],
    nodes_nodeids: [0, 1, 2, 3, 4, 0, 1, 2],
    nodes_featureids: [0, 1, 0, 0, 0, 1, 0, 0],
    nodes_values: { floats: [0.5, 2, 0, 0, 0, 1, 0, 0] },
    nodes_modes: ['BRANCH_LEQ', 'BRANCH_LT', 'LEAF', 'LEAF', 'LEAF', 'BRANCH_GTE', 'LEAF', 'LEAF'],
    nodes_truenodeids: [1, 3, 0, 0, 0, 1, 0, 0],
    nodes_falsenodeids: [2, 4, 0, 0, 0, 2, 0, 0],
    target_treeids: [0, 0, 0, 1, 1],
    target_nodeids: [2, 3, 4, 1, 2],
    target_ids: [0, 0, 0, 0, 0],
    target_weights: { floats: [3, 1, 2, 10, 20] },
    n_targets: 1,
  };
  const naive = (x0: number, x1: number): number => (x0 <= 0.5 ? (x1 < 2 ? 1 : 2) : 3) + (x1 >= 1 ? 10 : 20);
  const rows = [[0.5, 1.999], [0.5, 2], [0.6, 0], [-3, 1], [0.50001, 5]];

  for (const aggregate of ['SUM', 'AVERAGE']) {
    it(`${aggregate} with base_values matches a naive traversal`, () => {
      const out = run1({
        nodes: [node('TreeEnsembleRegressor', ['X'], ['Y'], { ...attrs, aggregate_function: aggregate, base_values: { floats: [0.25] } }, 'ai.onnx.ml')],
        inputs: [valueInfo('X', [null, 2])], outputs: ['Y'], mlOpset: 3,
      }, { X: { data: rows.flat(), shape: [rows.length, 2] } });
      expect(out.Y!.shape).toEqual([rows.length, 1]);
      const div = aggregate === 'AVERAGE' ? 2 : 1;
      expect(out.Y!.data).toBeAllclose(rows.map(([a, b]) => naive(a!, b!) / div + 0.25));
    });
  }

  const spec = (modes: string[]): ModelSpec => ({
    nodes: [node('TreeEnsembleRegressor', ['X'], ['Y'], { ...attrs, nodes_modes: modes }, 'ai.onnx.ml')],
    inputs: [valueInfo('X', [null, 2])], outputs: ['Y'], mlOpset: 3,
  });

  it('reads nodes_modes from the bytes as one ByteList, and scores as the built model (one view per mode) does', () => {
    const decoded = decodeModel(modelBytes(spec(attrs.nodes_modes)));
    const modes = decoded.graph!.node![0]!.attribute!.find((a) => a.name === 'nodes_modes')!.strings;
    expect(modes).toBeInstanceOf(ByteList);
    const X = { data: rows.flat(), shape: [rows.length, 2] };
    const fromBytes = loadOnnx(modelBytes(spec(attrs.nodes_modes))).run({ X }).Y!.data;
    expect(loadOnnx(modelProto(spec(attrs.nodes_modes))).run({ X }).Y!.data).toEqual(fromBytes);
    expect(fromBytes).toBeAllclose(rows.map(([a, b]) => naive(a!, b!)));
  });

  it('throws UnsupportedOpError naming a mode it does not know, from bytes and from a built model', () => {
    const modes = ['BRANCH_LEQ', 'BRANCH_LT', 'LEAF', 'LEAF', 'LEAF', 'BRANCH_MEMBER', 'LEAF', 'LEAF'];
    const message = /nodes_modes must be one of LEAF, BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, BRANCH_NEQ, got BRANCH_MEMBER$/;
    expectError(() => loadOnnx(modelBytes(spec(modes))), UnsupportedOpError, message);
    expectError(() => loadOnnx(modelProto(spec(modes))), UnsupportedOpError, message);
  });
});

describe('SUPPORTED_OPS', () => {
  it('lists every op the brief requires', () => {
    for (const op of ['Gemm', 'MatMul', 'Softmax', 'LayerNormalization', 'DynamicQuantizeLinear', 'MatMulInteger', 'ai.onnx.ml:TreeEnsembleRegressor']) {
      expect(SUPPORTED_OPS).toContain(op);
    }
  });
});
