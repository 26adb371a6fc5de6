import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';

import { InvalidOptionError } from '../../src/errors.js';
import { attrFloat, attrInts, attrTensor, checkModel, encodeModel, GraphBuilder, makeModel, makeTensor, onnx } from '../../src/onnx/index.js';
import { expectError } from '../tensor/expect-error.js';

ort.env.wasm.numThreads = 1;

const D = 4; // features
const H = 3; // hidden units

/** Deterministic float32 test values in (-1, 1). */
function values(n: number, salt: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 12.9898 + salt * 78.233) * 0.9);
  return out;
}

const W1 = values(H * D, 1);
const B1 = values(H, 2);
const W2 = values(D * H, 3);
const B2 = values(D, 4);

interface ScorerOptions {
  opset: number;
  irVersion: number;
  batch: number | string;
  /** square with Pow(diff, Constant 2) instead of Mul(diff, diff) */
  pow: boolean;
}

/**
 * score = mean over features of (Gemm2(Relu(Gemm1(x))) - x)^2, plus `flat` = the reconstruction
 * reshaped with an int64 shape initializer.
 */
function buildScorer(o: ScorerOptions): Uint8Array {
  const b = new GraphBuilder('scorer');
  const x = b.input('input', 'float32', [o.batch, D]);
  const w1 = b.addInitializer({ name: 'enc.weight', dataType: 'float32', dims: [H, D], values: W1 });
  const b1 = b.addInitializer({ name: 'enc.bias', dataType: 'float32', dims: [H], values: B1 });
  const w2 = b.addInitializer({ name: 'dec.weight', dataType: 'float32', dims: [D, H], values: W2 });
  const b2 = b.addInitializer({ name: 'dec.bias', dataType: 'float32', dims: [D], values: B2 });
  const shape = b.addInitializer({ name: 'flat_shape', dataType: 'int64', dims: [1], values: [-1n] });
  const gemm = { alpha: attrFloat(1), beta: attrFloat(1), transB: 1 };
  const [h] = b.addNode('Gemm', [x, w1, b1], { attributes: gemm });
  const [r] = b.addNode('Relu', [h!]);
  const [recon] = b.addNode('Gemm', [r!, w2, b2], { attributes: gemm, outputs: ['reconstruction'] });
  const [diff] = b.addNode('Sub', [recon!, x]);
  let sq: string;
  if (o.pow) {
    const two = makeTensor({ name: 'two', dataType: 'float32', dims: [], values: [2] });
    const [k] = b.addNode('Constant', [], { attributes: { value: attrTensor(two) } });
    [sq] = b.addNode('Pow', [diff!, k!]) as [string];
  } else [sq] = b.addNode('Mul', [diff!, diff!]) as [string];
  b.addNode('ReduceMean', [sq], { attributes: { axes: attrInts([1]), keepdims: 0 }, outputs: ['score'] });
  b.addNode('Reshape', [recon!, shape], { outputs: ['flat'] });
  b.output('score', 'float32', [o.batch]);
  b.output('reconstruction', 'float32', [o.batch, D]);
  b.output('flat', 'float32', [typeof o.batch === 'number' ? o.batch * D : 'flat_len']);
  const model = makeModel(b.build(), { irVersion: o.irVersion, opsets: [{ domain: '', version: o.opset }], producerVersion: 'test' });
  checkModel(model);
  return encodeModel(model);
}

/** The same network in float64, written out loop by loop. */
function naiveScorer(x: Float32Array, n: number): { score: number[]; recon: number[] } {
  const score: number[] = [];
  const recon: number[] = [];
  for (let row = 0; row < n; row++) {
    const hidden: number[] = [];
    for (let j = 0; j < H; j++) {
      let s = B1[j]!;
      for (let k = 0; k < D; k++) s += x[row * D + k]! * W1[j * D + k]!;
      hidden.push(Math.max(0, s));
    }
    let total = 0;
    for (let j = 0; j < D; j++) {
      let s = B2[j]!;
      for (let k = 0; k < H; k++) s += hidden[k]! * W2[j * H + k]!;
      recon.push(s);
      total += (s - x[row * D + j]!) ** 2;
    }
    score.push(total / D);
  }
  return { score, recon };
}

async function run(bytes: Uint8Array, n: number): Promise<void> {
  const session = await ort.InferenceSession.create(bytes);
  const x = values(n * D, 10 + n);
  const out = await session.run({ input: new ort.Tensor('float32', x, [n, D]) });
  const ref = naiveScorer(x, n);
  expect(out.score!.dims).toEqual([n]);
  expect(out.reconstruction!.dims).toEqual([n, D]);
  expect(out.flat!.dims).toEqual([n * D]);
  expect(out.score!.data as Float32Array).toBeAllclose(ref.score, { rtol: 1e-5, atol: 1e-5 });
  expect(out.reconstruction!.data as Float32Array).toBeAllclose(ref.recon, { rtol: 1e-5, atol: 1e-5 });
  expect(out.flat!.data as Float32Array).toBeAllclose(ref.recon, { rtol: 1e-5, atol: 1e-5 });
  await session.release();
}

describe('GraphBuilder', () => {
  it('builds a model that onnxruntime-web runs (opset 17, IR 8, fixed batch), matching a float64 loop', async () => {
    await run(buildScorer({ opset: 17, irVersion: 8, batch: 3, pow: false }), 3);
  });

  it('builds an opset 13 / IR 7 model with a symbolic batch dim that runs at batch 5 and 1', async () => {
    const bytes = buildScorer({ opset: 13, irVersion: 7, batch: 'batch', pow: true });
    const input = onnx.decodeModel(bytes).graph!.input![0]!;
    expect(input.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('batch');
    await run(bytes, 5);
    await run(bytes, 1);
  });

  it('is deterministic: building the same graph twice gives identical bytes', () => {
    const o = { opset: 17, irVersion: 8, batch: 'batch', pow: true };
    expect(buildScorer(o)).toEqual(buildScorer(o));
  });

  it('names nodes <opType>_<k> per op type and outputs <node>_out<j>', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', 'float32', [2]);
    expect(b.addNode('Relu', [x])).toEqual(['Relu_0_out0']);
    expect(b.addNode('Relu', ['Relu_0_out0'])).toEqual(['Relu_1_out0']);
    expect(b.addNode('Split', [x], { outputs: 2, attributes: { axis: 0 } })).toEqual(['Split_0_out0', 'Split_0_out1']);
    expect(b.addNode('Neg', [x], { name: 'Relu_2' })).toEqual(['Relu_2_out0']);
    expect(b.addNode('Relu', [x])).toEqual(['Relu_3_out0']);
    const g = b.build();
    expect(g.node!.map((n) => n.name)).toEqual(['Relu_0', 'Relu_1', 'Split_0', 'Relu_2', 'Relu_3']);
    expect(g.node![2]!.output).toEqual(['Split_0_out0', 'Split_0_out1']);
  });

  it('throws InvalidOptionError for undefined inputs and reused names, without changing the graph', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', 'float32', [2]);
    expectError(() => b.addNode('Relu', ['h']), InvalidOptionError, /GraphBuilder.addNode Relu: input 'h' must be defined before use, got an unknown name/);
    expectError(() => b.input('x', 'float32', [2]), InvalidOptionError, /^GraphBuilder.input: value name must be unique, got 'x' again$/);
    expectError(() => b.addNode('Relu', [x], { outputs: ['a', 'x'] }), InvalidOptionError, /^GraphBuilder\.addNode Relu: output name must be unique, got 'x' again$/);
    expectError(() => b.addNode('Relu', [x], { outputs: 0 }), InvalidOptionError, /^GraphBuilder\.addNode Relu: outputs count must be a positive integer, got 0$/);
    b.addNode('Relu', [x], { name: 'r', outputs: ['y'] });
    expectError(() => b.addNode('Neg', [x], { name: 'r' }), InvalidOptionError, /^GraphBuilder\.addNode Neg: node name must be unique, got 'r' again$/);
    expectError(() => b.output('nope', 'float32', [2]), InvalidOptionError, /^GraphBuilder.output: 'nope' must be a defined value/);
    b.output('y', 'float32', [2]);
    expectError(() => b.output('y', 'float32', [2]), InvalidOptionError, /^GraphBuilder\.output: output names must be unique, got 'y' again$/);
    expectError(() => b.addInitializer({ name: 'y', dataType: 'float32', dims: [1], values: [1] }), InvalidOptionError, /^GraphBuilder\.addInitializer: value name must be unique, got 'y' again$/);
    expectError(() => new GraphBuilder(''), InvalidOptionError, /^GraphBuilder: name must be non-empty/);
    const g = b.build();
    expect(g.node!.map((n) => n.output)).toEqual([['y']]);
    expect(() => checkModel(makeModel(g))).not.toThrow();
  });

  it('records annotations as value_info and sets docString only when given', () => {
    const b = new GraphBuilder('g', 'doc');
    const [y] = b.addNode('Neg', [b.input('x', 'float32', [2])]);
    b.annotate(y!, 'float32', [2]);
    expect(b.build().valueInfo!.map((v) => v.name)).toEqual(['Neg_0_out0']);
    expect(b.build().docString).toBe('doc');
    expect(Object.prototype.hasOwnProperty.call(new GraphBuilder('h').build(), 'docString')).toBe(false);
  });
});
