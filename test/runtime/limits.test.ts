/**
 * The runtime's memory budget (src/limits.ts): shapes a model asks for — statically at load, or at run
 * time for a new batch — are checked before anything is allocated, and each row of issue 17's ONNX
 * table gives a typed one-line error in milliseconds instead of gigabytes.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, LimitError, UnsupportedOpError } from '../../src/errors.js';
import { decodeModel, loadOnnx } from '../../src/runtime/index.js';
import { DT, modelBytes, node, rawFloatTensor, tensor, valueInfo, type ITensorProto } from './build-model.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

const int64 = (name: string, values: number[]): ITensorProto => tensor(name, [values.length], values, DT.INT64);

describe('static shapes are checked against maxTensorBytes at load', () => {
  it('ConstantOfShape([2^31]) is refused naming the node (was 2.1 GB and 23 s)', () => {
    const bytes = modelBytes({ nodes: [node('ConstantOfShape', ['s'], ['big']), node('Identity', ['x'], ['y'])], inputs: [valueInfo('x', [1, 4])], outputs: ['y', 'big'], initializers: [int64('s', [2 ** 31])] });
    const err = expectError(() => loadOnnx(bytes), LimitError, /^ConstantOfShape "ConstantOfShape_big": float32 buffer \[2147483648\] must be at most 1073741824 bytes \(raise limits\.max_tensor_bytes\), got 8589934592 bytes$/);
    expect(err.limit).toBe('maxTensorBytes');
  });

  it('ConstantOfShape nodes each under maxTensorBytes are refused by maxTotalBytes together', () => {
    const nodes = ['a', 'b', 'c'].map((o) => node('ConstantOfShape', ['s'], [o]));
    const bytes = modelBytes({ nodes, inputs: [valueInfo('x', [1, 1])], outputs: ['a', 'b', 'c'], initializers: [int64('s', [20000])] });
    const limits = { maxTensorBytes: 100_000, maxTotalBytes: 200_000 };
    // 8 bytes of initializer + 4 of input + 80,000 per node: the third node would make 240,012.
    expectError(() => loadOnnx(bytes, { limits }), LimitError, /^ConstantOfShape "ConstantOfShape_c": total size of the arrays with float32 buffer \[20000\] must be at most 200000 bytes \(raise limits\.max_total_bytes\), got 240012 bytes$/);
    expect(loadOnnx(bytes, { limits: { ...limits, maxTotalBytes: 240_012 } }).outputNames).toEqual(['a', 'b', 'c']);
  });

  it('a 127-byte-class Expand to [40000, 40000] is refused (was 7.7 GB in 52 s)', () => {
    const bytes = modelBytes({ nodes: [node('Expand', ['x', 's'], ['y'])], inputs: [valueInfo('x', [1, 1])], outputs: ['y'], initializers: [int64('s', [40000, 40000])] });
    expect(bytes.length).toBeLessThan(200);
    expectError(() => loadOnnx(bytes), LimitError, /^Expand "Expand_y": float32 buffer \[40000,40000\] must be at most 1073741824 bytes/);
  });

  it('the index maps of broadcasting count too: a uint8 Expand whose map would be 4x its output', () => {
    const bytes = modelBytes({ nodes: [node('Cast', ['x'], ['u'], { to: DT.UINT8 }), node('Expand', ['u', 's'], ['y'])], inputs: [valueInfo('x', [1, 1])], outputs: ['y'], initializers: [int64('s', [1000, 1000])] });
    expectError(() => loadOnnx(bytes, { limits: { maxTensorBytes: 2_000_000 } }), LimitError, /^Expand "Expand_y": index map of 1000000 entries must be at most 2000000 bytes/);
    expect(loadOnnx(bytes, { limits: { maxTensorBytes: 4_000_000 } }).outputNames).toEqual(['y']);
  });

  it('a graph input 2^31 wide is refused at load, before any batching probe', () => {
    const bytes = modelBytes({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', [null, 2 ** 31])], outputs: ['y'] });
    expectError(() => loadOnnx(bytes), LimitError, /^onnx: graph input "x": float32 buffer \[1,2147483648\] must be at most 1073741824 bytes/);
  });

  it('initializers count against maxTensorBytes each and maxTotalBytes together', () => {
    const w = rawFloatTensor('w', [4096], new Float32Array(4096).fill(1));
    const v = rawFloatTensor('v', [4096], new Float32Array(4096).fill(2));
    const bytes = modelBytes({ nodes: [node('Add', ['x', 'w'], ['a']), node('Add', ['a', 'v'], ['y'])], inputs: [valueInfo('x', [4096])], outputs: ['y'], initializers: [w, v] });
    expectError(() => decodeModel(bytes, { limits: { maxTensorBytes: 16383 } }), LimitError, /^onnx: initializer "w": tensor float32 \[4096\] must be at most 16383 bytes \(raise limits\.max_tensor_bytes\), got 16384 bytes$/);
    expectError(() => loadOnnx(bytes, { limits: { maxTotalBytes: 32767 } }), LimitError, /^onnx: initializer "v": total size of the arrays with tensor must be at most 32767 bytes \(raise limits\.max_total_bytes\), got 32768 bytes$/);
    expectError(() => loadOnnx(bytes, { limits: { maxTotalBytes: 32768 } }), LimitError, /^onnx: graph input "x": total size/);
    const y = loadOnnx(bytes, { limits: { maxTotalBytes: 81_920 } }).run({ x: new Float32Array(4096) }).y!;
    expect(y.data.every((value) => value === 3)).toBe(true);
  });

  it('Tile is not a runtime op, so a model using it is refused with a typed error', () => {
    const bytes = modelBytes({ nodes: [node('Tile', ['x', 'r'], ['y'])], inputs: [valueInfo('x', [1, 1])], outputs: ['y'], initializers: [int64('r', [40000, 40000])] });
    expectError(() => loadOnnx(bytes), UnsupportedOpError, /^onnx: op of node Tile "Tile_y" must be one the runtime implements \(see SUPPORTED_OPS\), got Tile$/);
  });
});

describe('dynamic shapes are checked against the same budget at run time', () => {
  it('a batch whose buffers exceed maxTensorBytes is refused by run, and a raised limit accepts it', () => {
    const bytes = modelBytes({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', [null, 4])], outputs: ['y'] });
    const model = loadOnnx(bytes, { limits: { maxTensorBytes: 1000 } });
    expect(model.run({ x: new Float32Array(8) }).y!.shape).toEqual([2, 4]);
    expectError(() => model.run({ x: new Float32Array(400) }), LimitError, /^onnx: graph input "x": float32 buffer \[100,4\] must be at most 1000 bytes/);
    expect(loadOnnx(bytes, { limits: { maxTensorBytes: 1600 } }).run({ x: new Float32Array(400) }).y!.shape).toEqual([100, 4]);
  });
});

describe('graphs and attributes that do not fit together', () => {
  it('a graph with no outputs is a FormatError (was TypeError reading data)', () => {
    const bytes = modelBytes({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', [1, 4])], outputs: [] });
    expectError(() => loadOnnx(bytes), FormatError, /^onnx: graph must have at least one output, got none$/);
  });

  const forest = {
    nodes_treeids: [0], nodes_nodeids: [0], nodes_featureids: [0], nodes_values: { floats: [0] }, nodes_modes: ['LEAF'],
    nodes_truenodeids: [0], nodes_falsenodeids: [0], target_treeids: [0], target_nodeids: [0], target_ids: [0], target_weights: { floats: [1.5] },
  };
  const ensemble = (attrs: Record<string, unknown>): Uint8Array =>
    modelBytes({ nodes: [node('TreeEnsembleRegressor', ['X'], ['Y'], { ...forest, ...attrs } as Parameters<typeof node>[3], 'ai.onnx.ml')], inputs: [valueInfo('X', [null, 2])], outputs: ['Y'], mlOpset: 3 });

  it('TreeEnsembleRegressor n_targets = 2^31 is a FormatError before allocating (was a V8 heap OOM)', () => {
    expectError(() => loadOnnx(ensemble({ n_targets: 2 ** 31 })), FormatError, /^TreeEnsembleRegressor "TreeEnsembleRegressor_Y": n_targets must be an integer in \[1, 1\] \(at most one target per target_ids or base_values entry\), got 2147483648$/);
    expectError(() => loadOnnx(ensemble({ n_targets: 0 })), FormatError, /n_targets must be an integer in \[1, 1\].*got 0$/);
    expect(Array.from(loadOnnx(ensemble({ n_targets: 1 })).run({ X: Float32Array.of(0, 0) }).Y!.data)).toEqual([1.5]);
  });

  it('TreeEnsembleRegressor attribute lengths are checked against the node arrays', () => {
    expectError(() => loadOnnx(ensemble({ nodes_missing_value_tracks_true: [1, 0, 1] })), FormatError, /nodes_missing_value_tracks_true must be absent or have 1 entries \(one per node\), got 3$/);
    expectError(() => loadOnnx(ensemble({ target_ids: [0, 0] })), FormatError, /target_\* attributes must have equal lengths, got 1, 1, 2, 1$/);
  });
});

describe('external data goes through the checked open', () => {
  const root = mkdtempSync(join(tmpdir(), 'dadm-ext-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'folder'));
  execFileSync('mkfifo', [join(root, 'pipe')]);
  writeFileSync(join(root, 'short.bin'), new Uint8Array(8));
  const big = join(root, 'big.bin');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 1.5 * 1024 ** 3); // sparse: no disk and no memory used
  closeSync(fd);
  const external = (location: string, dims: number[]): Uint8Array => {
    const w: ITensorProto = { name: 'w', dims, dataType: DT.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: location }] };
    return modelBytes({ nodes: [node('Identity', ['x'], ['y'])], inputs: [valueInfo('x', [1, 4])], outputs: ['y'], initializers: [w] });
  };

  it('a directory as location is a FormatError (was an untyped EISDIR)', () => {
    expectError(() => decodeModel(external('folder', [4]), { baseDir: root }), FormatError, new RegExp(`^onnx: initializer "w": ${escapeRegExp(join(root, 'folder'))}: external data file must be a regular file, got a directory$`));
  });

  it('a FIFO as location is refused without blocking (it hung)', () => {
    expectError(() => decodeModel(external('pipe', [4]), { baseDir: root }), FormatError, /external data file must be a regular file, got a FIFO \(named pipe\)$/);
  });

  it('a 1.5 GB file is refused by the tensor size before anything is read', () => {
    expectError(() => decodeModel(external('big.bin', [402653184]), { baseDir: root }), LimitError, /^onnx: initializer "w": external data must be at most 1073741824 bytes \(raise limits\.max_tensor_bytes\), got 1610612736 bytes$/);
  });

  it('a length that is not the tensor size is refused before reading', () => {
    expectError(() => decodeModel(external('big.bin', [4]), { baseDir: root }), FormatError, /^onnx: initializer "w": external data length must be 16 bytes for dims \[4\], got 1610612736$/);
    expectError(() => decodeModel(external('short.bin', [4]), { baseDir: root }), FormatError, /^onnx: initializer "w": external data length must be 16 bytes for dims \[4\], got 8$/);
  });
});
