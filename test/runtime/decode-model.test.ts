/**
 * The reader's refusals: malformed protobuf, limits, versions, graph structure, tensor sizes and
 * external data paths, each as a typed error naming the problem; plus a mutation fuzz property.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DadmError, FormatError, InvalidOptionError, LimitError, UnsupportedOpError } from '../../src/errors.js';
import { decodeModel, loadOnnx } from '../../src/runtime/index.js';
import { modelBytes, modelProto, node, rawFloatTensor, tensor, valueInfo, type IGraphProto, type ITensorProto, type ModelSpec } from './build-model.js';
import { encodeModel } from '../../src/protobuf/index.js';
import { expectError } from '../tensor/expect-error.js';

const AE = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'onnx', 'autoencoder_opset17.onnx')));

const reluSpec = (extra: Partial<ModelSpec> = {}): ModelSpec => ({
  nodes: [node('Relu', ['x'], ['y'])],
  inputs: [valueInfo('x', [null, 4])],
  outputs: ['y'],
  ...extra,
});

describe('decodeModel: malformed bytes', () => {
  it('throws FormatError for a truncated model', () => {
    expectError(() => decodeModel(AE.subarray(0, 1000)), FormatError, /^onnx: bytes must be a valid ONNX ModelProto protobuf, got a decoding error/);
  });

  it('throws FormatError for random bytes', () => {
    const bytes = new Uint8Array(512).map((_, i) => (i * 131 + 7) & 0xff);
    expectError(() => decodeModel(bytes), FormatError, /^onnx: bytes must be a valid ONNX ModelProto protobuf, got a decoding error: /);
  });

  it('throws FormatError for empty input', () => {
    expectError(() => decodeModel(new Uint8Array(0)), FormatError, /^onnx: bytes must be a non-empty ONNX protobuf, got 0 bytes$/);
  });

  it('throws FormatError when the file exceeds maxBytes', () => {
    expectError(() => decodeModel(AE, { maxBytes: 1000 }), FormatError, /^onnx: file size must be at most 1000 bytes \(maxBytes\), got 20688$/);
  });

  it('decodes the reference autoencoder', () => {
    const m = decodeModel(AE);
    expect(m.graph!.node!.length).toBe(11);
  });
});

describe('decodeModel: versions', () => {
  it('refuses IR versions outside [3, 10]', () => {
    expectError(() => decodeModel(modelBytes(reluSpec({ irVersion: 2 }))), FormatError, /^onnx: ir_version must be in \[3, 10\], got 2$/);
    expectError(() => decodeModel(modelBytes(reluSpec({ irVersion: 11 }))), FormatError, /^onnx: ir_version must be in \[3, 10\], got 11$/);
  });

  it('refuses default-domain opsets outside [7, 21]', () => {
    expectError(() => decodeModel(modelBytes(reluSpec({ opset: 6 }))), FormatError, /^onnx: opset version of domain "ai.onnx" must be in \[7, 21\], got 6$/);
  });

  it('refuses ai.onnx.ml opsets outside [1, 3]', () => {
    expectError(() => decodeModel(modelBytes(reluSpec({ mlOpset: 4 }))), FormatError, /^onnx: opset version of domain "ai.onnx.ml" must be in \[1, 3\], got 4$/);
  });
});

describe('decodeModel: graph structure', () => {
  it('refuses a cycle', () => {
    const bytes = modelBytes({
      nodes: [node('Add', ['x', 'b'], ['a']), node('Relu', ['a'], ['b'])],
      inputs: [valueInfo('x', [1, 4])],
      outputs: ['b'],
    });
    expectError(() => decodeModel(bytes), FormatError, /graph must be acyclic, got a cycle/);
  });

  it('refuses an initializer a node references but the file lacks', () => {
    const bytes = modelBytes({ nodes: [node('Add', ['x', 'bias'], ['y'])], inputs: [valueInfo('x', [1, 4])], outputs: ['y'] });
    expectError(() => decodeModel(bytes), FormatError, /^onnx graph: input "bias" of Add "Add_y" must be a graph input, initializer or node output, got an undefined name$/);
  });

  it('refuses a value produced twice', () => {
    const bytes = modelBytes({ nodes: [node('Relu', ['x'], ['y']), node('Neg', ['x'], ['y'])], inputs: [valueInfo('x', [1, 4])], outputs: ['y'] });
    expectError(() => decodeModel(bytes), FormatError, /^onnx graph: value "y" must be produced once, got a second producer Neg "Neg_y"$/);
  });

  it('refuses raw_data whose size does not match dims', () => {
    const bad = rawFloatTensor('w', [2, 2], [1, 2, 3]);
    const bytes = modelBytes({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', [2, 2])], outputs: ['y'], initializers: [bad] });
    expectError(() => decodeModel(bytes), FormatError, /^onnx: initializer "w" raw_data must hold prod\(dims \[2,2\]\) \* 4 = 16 bytes for FLOAT, got 12$/);
  });

  it('refuses float_data whose length does not match dims', () => {
    const bytes = modelBytes({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', [2, 2])], outputs: ['y'], initializers: [tensor('w', [2, 2], [1, 2, 3, 4, 5])] });
    expectError(() => decodeModel(bytes), FormatError, /^onnx: initializer "w" float_data must hold prod\(dims \[2,2\]\) = 4 values, got 5$/);
  });

  it('refuses subgraphs nested deeper than maxDepth', () => {
    let g: IGraphProto = { name: 'leaf', node: [] };
    for (let i = 0; i < 5; i++) g = { name: `g${i}`, node: [node('If', ['c'], ['o'], { then_branch: { graph: g } })] };
    const m = modelProto(reluSpec());
    m.graph!.node!.push(...g.node!.map((n) => ({ ...n, input: ['x'], output: ['o'] })));
    const bytes = encodeModel(m);
    expectError(() => decodeModel(bytes, { maxDepth: 3 }), FormatError, /^onnx: graph nesting depth must be at most 3 \(maxDepth\), got 4$/);
  });

  it('refuses an unsupported op at load time, naming op and node', () => {
    const bytes = modelBytes({ nodes: [node('Relu', ['x'], ['h']), node('FancyOp', ['h'], ['y'])], inputs: [valueInfo('x', [1, 4])], outputs: ['y'] });
    expectError(() => loadOnnx(bytes), UnsupportedOpError, /op of node FancyOp "FancyOp_y" must be one the runtime implements \(see SUPPORTED_OPS\), got FancyOp/);
  });
});

describe('decodeModel: external data', () => {
  const root = mkdtempSync(join(tmpdir(), 'dadm-onnx-'));
  const base = join(root, 'model');
  mkdirSync(base);
  writeFileSync(join(base, 'w.bin'), new Uint8Array(Float32Array.of(1, -2, 3, -4).buffer));
  writeFileSync(join(root, 'outside.bin'), new Uint8Array(16));
  symlinkSync(join(root, 'outside.bin'), join(base, 'link.bin'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const external = (location: string): Uint8Array => {
    const w: ITensorProto = { name: 'w', dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: location }] };
    return modelBytes({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', [1, 4])], outputs: ['y'], initializers: [w] });
  };

  it('is refused without baseDir', () => {
    expectError(() => decodeModel(external('w.bin')), FormatError, /^onnx: initializer "w": external data must be allowed by passing baseDir, got location "w.bin"$/);
  });

  it('is read from inside baseDir', () => {
    const model = loadOnnx(external('w.bin'), { baseDir: base });
    expect(Array.from(model.run({ x: Float32Array.of(1, 1, 1, 1) }).y!.data)).toEqual([2, -1, 4, -3]);
  });

  it('is read from beside the file when loadOnnx is given a path, and not from elsewhere', () => {
    const path = join(base, 'model.onnx');
    writeFileSync(path, external('w.bin'));
    expect(Array.from(loadOnnx(path).run({ x: Float32Array.of(1, 1, 1, 1) }).y!.data)).toEqual([2, -1, 4, -3]);
    writeFileSync(path, external('../outside.bin'));
    expectError(() => loadOnnx(path), FormatError, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: onnx: initializer "w": external data location must be a relative path inside baseDir, got "..\\/outside.bin"$`));
  });

  it('refuses ../ and absolute locations', () => {
    expectError(() => decodeModel(external('../outside.bin'), { baseDir: base }), FormatError, /^onnx: initializer "w": external data location must be a relative path inside baseDir, got "..\/outside.bin"$/);
    expectError(() => decodeModel(external(join(root, 'outside.bin')), { baseDir: base }), FormatError, /^onnx: initializer "w": external data location must be a relative path inside baseDir, got ".*outside\.bin"$/);
  });

  it('refuses a symlink that resolves outside baseDir', () => {
    expectError(() => decodeModel(external('link.bin'), { baseDir: base }), FormatError, /^onnx: initializer "w": external data must stay inside baseDir, got "link\.bin" resolving outside it$/);
  });
});

describe('loadOnnx: byte mutations never escape as anything but a DadmError', () => {
  it('flip / truncate / insert mutations of a valid model', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(AE.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(AE.length - 1), mask: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(AE.length - 1), mask: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
        let bytes: Uint8Array = AE.slice();
        for (const m of muts) {
          const at = Math.min(m.at, bytes.length - 1);
          if (m.kind === 'flip') bytes[at]! ^= m.mask;
          else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
          else bytes = Uint8Array.from([...bytes.subarray(0, at), m.mask, ...bytes.subarray(at)]);
        }
        try {
          const model = loadOnnx(bytes);
          const row = new Float32Array(64).fill(0.5);
          model.run({ [model.inputNames[0] ?? 'input']: row });
        } catch (e) {
          if (!(e instanceof DadmError)) throw e;
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('loadOnnx: a path', () => {
  const root = mkdtempSync(join(tmpdir(), 'dadm-onnx-path-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('loads the file as its bytes would', () => {
    const path = join(root, 'ae.onnx');
    writeFileSync(path, AE);
    const row = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    expect(loadOnnx(path).score(row)).toBe(loadOnnx(AE).score(row));
  });

  it('names the file in its errors: missing, a folder, over the size limit, not ONNX', () => {
    expectError(() => loadOnnx(join(root, 'none.onnx')), InvalidOptionError, /none\.onnx: model must exist, got ENOENT/);
    expectError(() => loadOnnx(root), InvalidOptionError, /must be a regular file/);
    const path = join(root, 'big.onnx');
    writeFileSync(path, AE);
    expectError(() => loadOnnx(path, { limits: { maxOnnxFileBytes: 1000 } }), LimitError, /big\.onnx: model size must be at most 1000 bytes/);
    const junk = join(root, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    expectError(() => loadOnnx(junk), FormatError, new RegExp(`^${junk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });
});
