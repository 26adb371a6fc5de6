/**
 * Runtime ai.onnx.ml TreeEnsembleRegressor on a hand-built two-tree ensemble, and the SUPPORTED_OPS list,
 * against naive implementations written here (or exactly known values).
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.js';
import { ByteList } from '../../src/protobuf/index.js';
import { SUPPORTED_OPS, decodeModel, loadOnnx } from '../../src/runtime/index.js';
import { setBackend } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';
import { underBoth } from '../tensor/wasm/backends.js';
import { WARM_UP_CALLS } from '../../src/runtime/ops/types.js';
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

  it('scores the same with sparse tree and node ids (the index is then a Map, not an array over the ids)', () => {
    // Tree 1 becomes tree 40,000,000 and node ids k become 1,000 * k + 7: far more id slots than nodes.
    const node1000 = (ids: number[]): number[] => ids.map((k) => 1000 * k + 7);
    const trees = (ids: number[]): number[] => ids.map((t) => t * 40_000_000);
    const sparse = { ...attrs, nodes_treeids: trees(attrs.nodes_treeids), nodes_nodeids: node1000(attrs.nodes_nodeids), nodes_truenodeids: node1000(attrs.nodes_truenodeids), nodes_falsenodeids: node1000(attrs.nodes_falsenodeids), target_treeids: trees(attrs.target_treeids), target_nodeids: node1000(attrs.target_nodeids) };
    const out = run1({ nodes: [node('TreeEnsembleRegressor', ['X'], ['Y'], sparse, 'ai.onnx.ml')], inputs: [valueInfo('X', [null, 2])], outputs: ['Y'], mlOpset: 3 }, { X: { data: rows.flat(), shape: [rows.length, 2] } });
    expect(out.Y!.data).toBeAllclose(rows.map(([a, b]) => naive(a!, b!)));
  });

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

describe('TreeEnsembleRegressor, the eight-tree fast walk (LEQ splits, one weight per leaf)', () => {
  // 11 trees (a group of 8 and a partial one), depths 0 to 5, two targets, split on columns 0-2.
  type Tree = { leaf: number; target: number } | { feature: number; threshold: number; yes: Tree; no: Tree };
  const grow = (t: number, depth: number, at: number): Tree =>
    depth === 0 ? { leaf: t * 10 + at * 0.125, target: t % 2 } : { feature: (t + depth) % 3, threshold: ((t * 7 + at * 3) % 11) / 4 - 1, yes: grow(t, depth - 1, 2 * at + 1), no: grow(t, depth - (t % 2) - 1 < 0 ? 0 : depth - (t % 2) - 1, 2 * at + 2) };
  const trees = Array.from({ length: 11 }, (_, t) => grow(t, t % 6, 0));
  const naive = (tree: Tree, x: number[]): Tree & { leaf: number; target: number } => ('leaf' in tree ? tree : naive(x[tree.feature]! <= tree.threshold ? tree.yes : tree.no, x));
  const attrs = { nodes_treeids: [] as number[], nodes_nodeids: [] as number[], nodes_featureids: [] as number[], nodes_values: { floats: [] as number[] }, nodes_modes: [] as string[], nodes_truenodeids: [] as number[], nodes_falsenodeids: [] as number[], target_treeids: [] as number[], target_nodeids: [] as number[], target_ids: [] as number[], target_weights: { floats: [] as number[] }, n_targets: 2 };
  trees.forEach((root, t) => {
    let next = 0;
    const add = (tree: Tree): number => {
      const id = next++;
      attrs.nodes_treeids.push(t);
      attrs.nodes_nodeids.push(id);
      const at = attrs.nodes_treeids.length - 1;
      if ('leaf' in tree) {
        attrs.nodes_featureids.push(0); attrs.nodes_values.floats.push(0); attrs.nodes_modes.push('LEAF'); attrs.nodes_truenodeids.push(0); attrs.nodes_falsenodeids.push(0);
        attrs.target_treeids.push(t); attrs.target_nodeids.push(id); attrs.target_ids.push(tree.target); attrs.target_weights.floats.push(tree.leaf);
        return id;
      }
      attrs.nodes_featureids.push(tree.feature); attrs.nodes_values.floats.push(tree.threshold); attrs.nodes_modes.push('BRANCH_LEQ'); attrs.nodes_truenodeids.push(0); attrs.nodes_falsenodeids.push(0);
      attrs.nodes_truenodeids[at] = add(tree.yes);
      attrs.nodes_falsenodeids[at] = add(tree.no);
      return id;
    };
    add(root);
  });
  // Every threshold, just above it, far out, and NaN (which takes the false child). Graph inputs
  // must be finite, so NaN comes from 0 / 0 in a Div before the trees.
  const rows = [[-1, -1, -1], [-0.75, 0, 0.25], [0.5, 0.75, 1], [1.5, 1.25, -0.5], [100, -100, 0], [NaN, 0, 0], [0, NaN, -1], [0.2500001, 1.0000001, 1.5]];
  const numerators = rows.flat().map((v) => (Number.isNaN(v) ? 0 : v));
  const denominators = rows.flat().map((v) => (Number.isNaN(v) ? 0 : 1));

  for (const aggregate of ['SUM', 'AVERAGE']) {
    it(`${aggregate}: two targets over 11 trees of depth 0 to 5 match a naive traversal, NaN to the false child`, () => {
      const out = run1({
        nodes: [node('Div', ['N', 'D'], ['X']), node('TreeEnsembleRegressor', ['X'], ['Y'], { ...attrs, aggregate_function: aggregate, base_values: { floats: [0.5, -1] } }, 'ai.onnx.ml')],
        inputs: [valueInfo('N', [null, 3]), valueInfo('D', [null, 3])], outputs: ['Y'], mlOpset: 3,
      }, { N: { data: numerators, shape: [rows.length, 3] }, D: { data: denominators, shape: [rows.length, 3] } });
      expect(out.Y!.shape).toEqual([rows.length, 2]);
      const div = aggregate === 'AVERAGE' ? trees.length : 1;
      const want = rows.flatMap((x) => {
        const sums = [0, 0];
        for (const tree of trees) {
          const leaf = naive(tree, x);
          sums[leaf.target] += leaf.leaf;
        }
        return [sums[0]! / div + 0.5, sums[1]! / div - 1];
      });
      expect(out.Y!.data).toBeAllclose(want);
    });
  }
});

describe('SUPPORTED_OPS', () => {
  it('lists every op the brief requires', () => {
    for (const op of ['Gemm', 'MatMul', 'Softmax', 'LayerNormalization', 'DynamicQuantizeLinear', 'MatMulInteger', 'ai.onnx.ml:TreeEnsembleRegressor']) {
      expect(SUPPORTED_OPS).toContain(op);
    }
  });
});

describe('TreeEnsembleRegressor, the fast walk on both kernel backends', () => {
  // 21 random trees (two full groups of 8 and a short one) over 5 columns, two targets, SUM.
  const nTrees = 21;
  const attrs = { nodes_treeids: [] as number[], nodes_nodeids: [] as number[], nodes_featureids: [] as number[], nodes_values: { floats: [] as number[] }, nodes_modes: [] as string[], nodes_truenodeids: [] as number[], nodes_falsenodeids: [] as number[], target_treeids: [] as number[], target_nodeids: [] as number[], target_ids: [] as number[], target_weights: { floats: [] as number[] }, n_targets: 2 };
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let t = 0; t < nTrees; t++) {
    let id = 0;
    const add = (depth: number): number => {
      const me = id++;
      const at = attrs.nodes_treeids.push(t) - 1;
      attrs.nodes_nodeids.push(me);
      const leaf = depth === 0 || next() < 0.2;
      attrs.nodes_featureids.push(leaf ? 0 : Math.floor(next() * 5));
      attrs.nodes_values.floats.push(leaf ? 0 : Math.fround(next() * 2 - 1));
      attrs.nodes_modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      attrs.nodes_truenodeids.push(0);
      attrs.nodes_falsenodeids.push(0);
      if (leaf) {
        attrs.target_treeids.push(t); attrs.target_nodeids.push(me); attrs.target_ids.push(t % 2); attrs.target_weights.floats.push(Math.fround(next() * 10));
      } else {
        attrs.nodes_truenodeids[at] = add(depth - 1);
        attrs.nodes_falsenodeids[at] = add(depth - 1);
      }
      return me;
    };
    add(t % 9);
  }
  const rows = Array.from({ length: 64 }, () => Array.from({ length: 5 }, () => Math.fround(next() * 2.4 - 1.2)));

  it('gives bit-identical sums on the js and the wasm backend, for a batch and for single rows', () => {
    const spec: ModelSpec = { nodes: [node('TreeEnsembleRegressor', ['X'], ['Y'], attrs, 'ai.onnx.ml')], inputs: [valueInfo('X', [null, 5])], outputs: ['Y'], mlOpset: 3 };
    try {
      const [js, wasm] = underBoth(() => {
        const model = loadOnnx(modelBytes(spec));
        const batch = Array.from(model.run({ X: { data: rows.flat(), shape: [rows.length, 5] } }).Y!.data);
        // Twice over the rows: the wasm backend's single-row plan switches from the JS walk to the kernel after WARM_UP_CALLS.
        expect(2 * rows.length).toBeGreaterThan(WARM_UP_CALLS);
        const single = [...rows, ...rows].flatMap((r) => Array.from(model.run({ X: { data: r, shape: [1, 5] } }).Y!.data));
        return { batch: [...batch, ...batch], single };
      });
      expect(wasm.batch).toEqual(js.batch);
      expect(wasm.single).toEqual(js.single);
      expect(js.single).toEqual(js.batch);
    } finally {
      setBackend(process.env.DADM_BACKEND === 'js' ? 'js' : 'wasm');
    }
  });
});
