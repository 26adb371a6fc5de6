/**
 * The loader's WebAssembly (src/runtime/load-wasm.ts) against its JavaScript reference: the codec's
 * bulk readers must decode every run as the codec's own reading does (or decline it), the modes
 * codes must equal ByteList.codes, and a forest planned on the js and the wasm backend must give the
 * same outputs and throw the same errors. Forests here have more than WASM_LOAD_MIN nodes, so the
 * wasm backend takes the WebAssembly path; node ids pass 127, so varints of two bytes occur.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTE_PROTO, ByteList, decodeMessage, type BulkReader } from '../../src/protobuf/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { wasmForestLinks } from '../../src/runtime/forest-links-wasm.js';
import { WASM_LOAD_MIN } from '../../src/runtime/load-gate.js';
import { wasmByteRun, wasmCodes, wasmVarints } from '../../src/runtime/load-wasm.js';
import { setBackend } from '../../src/tensor/index.js';
import { underBoth } from '../tensor/wasm/backends.js';
import { delimited, varint } from '../protobuf/wire-bytes.js';
import { modelBytes, node, valueInfo } from './build-model.js';

const BULK: BulkReader = { varints: wasmVarints, byteRun: wasmByteRun };

// The readers answer null under the js backend; the `js` project runs this file too.
beforeAll(() => {
  setBackend('wasm');
});

afterAll(() => {
  setBackend(process.env.DADM_BACKEND === 'js' ? 'js' : 'wasm');
});

/** Whatever a call gives: its value, or the error's class and message. */
function outcome<T>(fn: () => T): T | { error: string; message: string } {
  try {
    return fn();
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

describe('the bulk readers of the codec', () => {
  const int64 = fc.oneof(
    fc.bigInt({ min: 0n, max: 127n }),
    fc.bigInt({ min: 0n, max: 2n ** 31n + 2n }),
    fc.constantFrom(2n ** 28n - 1n, 2n ** 28n, 2n ** 31n - 1n, 2n ** 31n, -1n, 2n ** 53n, -(2n ** 63n)),
  );

  it('decode packed varints as the element reader does, or decline the run, with any mix of lengths and paddings', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(int64, fc.nat({ max: 2 })), { maxLength: 80 }), fc.boolean(), (values, truncate) => {
        const body = values.flatMap(([v, pad]) => varint(v, pad));
        // A cut run ends in the middle of a varint (or loses its last value): both readers must agree.
        const bytes = Uint8Array.from(delimited(0x42, truncate && body.length > 1 ? body.slice(0, -1) : body));
        const bulk = outcome(() => decodeMessage(ATTRIBUTE_PROTO, bytes, { bulk: BULK }).ints);
        const plain = outcome(() => decodeMessage(ATTRIBUTE_PROTO, bytes).ints);
        expect(bulk).toEqual(plain);
        if (plain !== undefined && !('error' in plain)) expect(bulk!.constructor).toBe(plain.constructor);
      }),
      { seed: 19, numRuns: 400 },
    );
  });

  it('take a run of small varints (one to five bytes) and decline a longer or larger one', () => {
    const small = [0, 1, 127, 128, 300, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1];
    const bytes = Uint8Array.from(small.flatMap((v) => varint(BigInt(v))));
    expect(Array.from(wasmVarints(bytes, 0, bytes.length)!)).toEqual(small);
    expect(wasmVarints(Uint8Array.from(varint(2n ** 31n)), 0, 5)).toBeNull();
    expect(wasmVarints(Uint8Array.from(varint(1n, 5)), 0, 6)).toBeNull();
    expect(wasmVarints(Uint8Array.from([5, 0x81]), 0, 2)).toBeNull();
  });

  it('decode and read runs longer than one copy of a kernel takes, over several copies and modules, as the codec does', () => {
    // 130,000 varints of one and two bytes (more than one module's copies of the varint kernel run),
    // and 6,000 strings: several ranges of every reader.
    const values = Array.from({ length: 130000 }, (_, i) => (i * 7919) % 300);
    const ints = Uint8Array.from(delimited(0x42, values.flatMap((v) => varint(BigInt(v)))));
    expect(Array.from(decodeMessage(ATTRIBUTE_PROTO, ints, { bulk: BULK }).ints!)).toEqual(values);
    const words = Array.from({ length: 6000 }, (_, i) => (i % 3 === 0 ? 'LEAF' : 'BRANCH_LEQ'));
    const strings = Uint8Array.from(words.flatMap((w) => delimited(0x4a, [...new TextEncoder().encode(w)])));
    const list = decodeMessage(ATTRIBUTE_PROTO, strings, { compactLists: true, bulk: BULK }).strings as ByteList;
    expect([...list].map((b) => new TextDecoder().decode(b))).toEqual(words);
    expect(Array.from(wasmCodes(list.source, list.pairs(), ['LEAF', 'BRANCH_LEQ'])!)).toEqual(words.map((w) => (w === 'LEAF' ? 0 : 1)));
  });

  it('read a run of strings as the codec does, consecutive or split, short and long', () => {
    const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('', 'LEAF', 'BRANCH_LEQ', 'x'.repeat(127), 'y'.repeat(128)));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.boolean()), { maxLength: 40 }), (items) => {
        const bytes = Uint8Array.from(items.flatMap(([s, split]) => [...delimited(0x4a, [...new TextEncoder().encode(s)]), ...(split ? [0x18, 7] : [])]));
        const strings = (options: { bulk?: BulkReader }): string[] | undefined => {
          const list = decodeMessage(ATTRIBUTE_PROTO, bytes, { compactLists: true, ...options }).strings as ByteList | undefined;
          return list && [...list].map((b) => new TextDecoder().decode(b));
        };
        expect(strings({ bulk: BULK })).toEqual(strings({}));
      }),
      { seed: 19, numRuns: 300 },
    );
  });

  it('report a string past the end of its message as the codec does', () => {
    for (const bytes of [[0x4a, 1, 0x41, 0x4a, 5, 0x42, 0x43], [0x4a, 1, 0x41, 0x4a]]) {
      const read = (bulk?: BulkReader): unknown => outcome(() => decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from(bytes), { compactLists: true, bulk }));
      expect(read(BULK)).toEqual(read());
      expect(read(BULK)).toHaveProperty('error', 'FormatError');
    }
  });
});

describe('wasmCodes', () => {
  it('gives each element its position among the names as ByteList.codes does', () => {
    const names = ['LEAF', 'BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ'];
    const word = fc.oneof(fc.constantFrom(...names, 'LEAF ', 'BRANCH_LE', 'BRANCH_LEX', 'leaf', ''), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 60 }), (words) => {
        const bytes = Uint8Array.from(words.flatMap((w) => delimited(0x4a, [...new TextEncoder().encode(w)])));
        const list = decodeMessage(ATTRIBUTE_PROTO, bytes, { compactLists: true }).strings as ByteList;
        expect(Array.from(wasmCodes(list.source, list.pairs(), names)!)).toEqual(Array.from(list.codes(names)));
      }),
      { seed: 19, numRuns: 200 },
    );
  });
});

/**
 * `trees` complete binary trees of `depth` levels (ids breadth-first from 0, so ids pass 127 at depth
 * 8), each branch `x[feature] <= threshold`, one weight per leaf; `edit` changes the attributes.
 */
function forestModel(trees: number, depth: number, edit: (a: Record<string, number[]>) => void = () => {}): Uint8Array {
  const a: Record<string, number[]> = {
    nodes_treeids: [], nodes_nodeids: [], nodes_featureids: [], nodes_values: [], nodes_truenodeids: [], nodes_falsenodeids: [],
    target_treeids: [], target_nodeids: [], target_ids: [], target_weights: [],
  };
  const modes: string[] = [];
  const size = 2 ** depth - 1;
  for (let t = 0; t < trees; t++) {
    for (let i = 0; i < size; i++) {
      const branch = 2 * i + 2 < size;
      a.nodes_treeids!.push(t);
      a.nodes_nodeids!.push(i);
      a.nodes_featureids!.push(branch ? (i + t) % 3 : 0);
      a.nodes_values!.push(branch ? ((i * 7 + t) % 11) / 10 - 0.5 : 0);
      a.nodes_truenodeids!.push(branch ? 2 * i + 1 : 0);
      a.nodes_falsenodeids!.push(branch ? 2 * i + 2 : 0);
      modes.push(branch ? 'BRANCH_LEQ' : 'LEAF');
      if (!branch) {
        a.target_treeids!.push(t);
        a.target_nodeids!.push(i);
        a.target_ids!.push(0);
        a.target_weights!.push(((i * 13 + t) % 17) / 4);
      }
    }
  }
  edit(a);
  const { nodes_values, target_weights, ...ints } = a;
  return modelBytes({
    nodes: [node('TreeEnsembleRegressor', ['X'], ['Y'], { ...ints, nodes_values: { floats: nodes_values! }, target_weights: { floats: target_weights! }, nodes_modes: modes, n_targets: 1 }, 'ai.onnx.ml')],
    inputs: [valueInfo('X', [null, 3])], outputs: ['Y'], mlOpset: 3,
  });
}

const ROWS = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i * 1.7));

describe('the forest plan on both backends', () => {
  it('scores a forest of 40 x 255 nodes identically, a batch and single rows', () => {
    const bytes = forestModel(40, 8);
    const [js, wasm] = underBoth(() => {
      const model = loadOnnx(bytes);
      const batch = Array.from(model.run({ X: { data: ROWS, shape: [64, 3] } })['Y']!.data);
      const single = loadOnnx(bytes);
      const rows = Array.from({ length: 64 }, (_, r) => single.score(ROWS.subarray(3 * r, 3 * r + 3)));
      return { batch, rows };
    });
    expect(wasm).toEqual(js);
    expect(js.batch).toEqual(js.rows.map(Math.fround));
  });

  it('builds the tables a naive plan builds: children, roots, leaf weights, over several copies', () => {
    const trees = 30;
    const size = 2 ** 8 - 1;
    const n = trees * size;
    const treeIds = Int32Array.from({ length: n }, (_, k) => Math.floor(k / size));
    const nodeIds = Int32Array.from({ length: n }, (_, k) => k % size);
    const branch = (k: number): boolean => 2 * (k % size) + 2 < size;
    const leaves = Array.from({ length: n }, (_, k) => k).filter((k) => !branch(k));
    const links = wasmForestLinks({
      treeIds, nodeIds, features: new Int32Array(n), nFeatures: 1, nTargets: 1,
      modes: Uint8Array.from({ length: n }, (_, k) => (branch(k) ? 1 : 0)),
      trueIds: Int32Array.from({ length: n }, (_, k) => (branch(k) ? 2 * (k % size) + 1 : 0)),
      falseIds: Int32Array.from({ length: n }, (_, k) => (branch(k) ? 2 * (k % size) + 2 : 0)),
      // Targets listed in reverse, so the leaf table must sort them by leaf.
      targetTrees: Int32Array.from(leaves.map((k) => treeIds[k]!).reverse()),
      targetNodes: Int32Array.from(leaves.map((k) => nodeIds[k]!).reverse()),
      targetIds: new Int32Array(leaves.length),
      targetWeights: Float32Array.from(leaves.map((k) => k / 8).reverse()),
    });
    expect(links).not.toBeNull();
    const flat = (k: number, id: number): number => Math.floor(k / size) * size + id;
    expect(Array.from(links!.trueChild)).toEqual(Array.from({ length: n }, (_, k) => (branch(k) ? flat(k, 2 * (k % size) + 1) : 0)));
    expect(Array.from(links!.falseChild)).toEqual(Array.from({ length: n }, (_, k) => (branch(k) ? flat(k, 2 * (k % size) + 2) : 0)));
    expect(Array.from(links!.roots)).toEqual(Array.from({ length: trees }, (_, t) => t * size));
    const starts = [0];
    for (let k = 0; k < n; k++) starts.push(starts[k]! + (branch(k) ? 0 : 1));
    expect(Array.from(links!.leafStart)).toEqual(starts);
    expect(Array.from(links!.leafWeight)).toEqual(leaves.map((k) => k / 8));
    expect(Array.from(links!.leafTarget)).toEqual(leaves.map(() => 0));
  });

  const broken: [string, (a: Record<string, number[]>) => void][] = [
    ['a child that does not exist', (a) => { a.nodes_truenodeids![5] = 400; }],
    ['a negative child id', (a) => { a.nodes_falsenodeids![9] = -1; }],
    ['a node id at 2^26', (a) => { a.nodes_nodeids![20] = 2 ** 26; }],
    ['a tree id below 0', (a) => { a.nodes_treeids![3] = -2; }],
    ['a cycle back to the parent', (a) => { a.nodes_truenodeids![100] = 49; }],
    ['a node reached twice', (a) => { a.nodes_falsenodeids![1] = 3; }],
    ['a feature outside the row', (a) => { a.nodes_featureids![7] = 3; }],
    ['a target on a node that does not exist', (a) => { a.target_nodeids![4] = 300; }],
    ['a target id beyond n_targets', (a) => { a.target_ids![4] = 1; }],
    ['ids too sparse for the dense index (a Map then)', (a) => { a.nodes_treeids = a.nodes_treeids!.map((t) => t * 100000); a.target_treeids = a.target_treeids!.map((t) => t * 100000); }],
  ];
  for (const [what, edit] of broken) {
    it(`gives the same outcome on both backends for ${what}`, () => {
      const bytes = forestModel(3, 8, edit);
      const [js, wasm] = underBoth(() => outcome(() => Array.from(loadOnnx(bytes).run({ X: { data: ROWS, shape: [64, 3] } })['Y']!.data)));
      expect(wasm).toEqual(js);
      // Every edit but the sparse ids makes the model invalid.
      if (!what.startsWith('ids too sparse')) expect(js).toHaveProperty('message', expect.stringMatching(/^TreeEnsembleRegressor "TreeEnsembleRegressor_Y": .* must /));
    });
  }

  it(`plans forests below ${WASM_LOAD_MIN} nodes in JavaScript only, with the same results`, () => {
    const bytes = forestModel(2, 6);
    const [js, wasm] = underBoth(() => Array.from(loadOnnx(bytes).run({ X: { data: ROWS, shape: [64, 3] } })['Y']!.data));
    expect(wasm).toEqual(js);
  });
});
