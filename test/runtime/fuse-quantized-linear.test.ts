/**
 * The fused MatMulInteger → Cast → Mul → Add kernel must give bit-identical float32 results to the
 * same graph run node by node (`loadOnnx(bytes, { fuse: false })`), must only fuse chains whose
 * intermediates nobody else reads, and must fall back to the four ops (same results, same errors)
 * outside its case. quant-ops.test.ts checks the fused pipeline against quant.json bit for bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { fuseQuantizedLinear } from '../../src/runtime/fuse-quantized-linear.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { findOp } from '../../src/runtime/ops/registry.js';
import type { PreparedNode } from '../../src/runtime/plan.js';
import { Attributes, nodeLabel } from '../../src/runtime/proto-utils.js';
import { DT, modelBytes, node, tensor, valueInfo, type ModelSpec } from './build-model.js';
import { expectError } from '../tensor/expect-error.js';

interface Case {
  batch: number[];
  m: number;
  k: number;
  n: number;
  uint8Weights: boolean;
  perColumn: boolean;
  swapOperands: boolean;
  biasShape: 'n' | '1n' | 'scalar';
  weights: number[];
  scales: number[];
  bias: number[];
}

/** DynamicQuantizeLinear + the quantized linear tail, with the case's shapes and operand orders. */
function quantLinearSpec(c: Case, extraOutputs: string[] = []): ModelSpec {
  const { k, n } = c;
  const s = c.perColumn ? c.scales : c.scales.slice(0, 1);
  const biasDims = c.biasShape === 'n' ? [n] : c.biasShape === '1n' ? [1, n] : [];
  const bias = c.biasShape === 'scalar' ? c.bias.slice(0, 1) : c.bias;
  const weightType = c.uint8Weights ? DT.UINT8 : DT.INT8;
  const weights = c.uint8Weights ? c.weights.map((w) => w + 128) : c.weights;
  const zp = c.perColumn ? Array.from({ length: n }, (_, j) => (j * 37) % 11 - 5 + (c.uint8Weights ? 128 : 0)) : [c.uint8Weights ? 128 : 0];
  return {
    nodes: [
      node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xzp']),
      node('MatMulInteger', ['xq', 'W', 'xzp', 'wzp'], ['yi']),
      node('Cast', ['yi'], ['yf'], { to: DT.FLOAT }),
      node('Mul', ['xs', 'ws'], ['sc']),
      node('Mul', c.swapOperands ? ['sc', 'yf'] : ['yf', 'sc'], ['ys']),
      node('Add', c.swapOperands ? ['bias', 'ys'] : ['ys', 'bias'], ['y']),
      node('Relu', ['y'], ['out']),
    ],
    inputs: [valueInfo('x', [...c.batch, c.m, k])],
    initializers: [
      tensor('W', [k, n], weights, weightType),
      tensor('wzp', c.perColumn ? [n] : [], zp, weightType),
      tensor('ws', [s.length], s),
      tensor('bias', biasDims, bias),
    ],
    outputs: ['out', ...extraOutputs],
    opset: 13,
  };
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    batch: fc.constantFrom<number[]>([], [2]),
    m: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 1, max: 40 }),
    uint8Weights: fc.boolean(),
    perColumn: fc.boolean(),
    swapOperands: fc.boolean(),
    biasShape: fc.constantFrom('n' as const, '1n' as const, 'scalar' as const),
  })
  .chain((shape) => fc.record({
    weights: fc.array(fc.integer({ min: -127, max: 127 }), { minLength: shape.k * shape.n, maxLength: shape.k * shape.n }),
    scales: fc.array(fc.float({ min: Math.fround(1e-4), max: Math.fround(0.05), noNaN: true }), { minLength: shape.n, maxLength: shape.n }),
    bias: fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: shape.n, maxLength: shape.n }),
  }).map((values) => ({ ...shape, ...values })));

/** Float32 values as their bit patterns, so -0 vs 0 and every last bit count. */
function bits(data: ArrayLike<number>): number[] {
  return Array.from(new Uint32Array(Float32Array.from(data).buffer));
}

function inputFor(c: Case, seed: number, relu: boolean): { data: Float32Array; shape: number[] } {
  const size = c.batch.reduce((p, d) => p * d, 1) * c.m * c.k;
  const data = new Float32Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const v = Math.fround((state / 2 ** 32) * 6 - 3);
    data[i] = relu ? Math.max(v, 0) : v;
  }
  return { data, shape: [...c.batch, c.m, c.k] };
}

describe('fused quantized linear', () => {
  it('is bit-identical to the unfused graph on random shapes, weights and inputs', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean(), (c, seed, relu) => {
        const bytes = modelBytes(quantLinearSpec(c));
        const x = inputFor(c, seed, relu);
        const fused = loadOnnx(bytes).run({ x });
        const plain = loadOnnx(bytes, { fuse: false }).run({ x });
        expect(fused.out!.shape).toEqual(plain.out!.shape);
        expect(bits(fused.out!.data)).toEqual(bits(plain.out!.data));
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it('keeps bit-identity when intermediates are graph outputs (chain left unfused)', () => {
    const c: Case = { batch: [], m: 3, k: 5, n: 4, uint8Weights: false, perColumn: true, swapOperands: false, biasShape: 'n', weights: [3, -7, 11, 0, 127, -127, 5, 9, -1, 2, 64, -64, 8, 8, -8, 1, 0, 0, 33, -33], scales: [0.01, 0.02, 0.005, 0.04], bias: [0.5, -0.25, 0.125, 0] };
    const bytes = modelBytes(quantLinearSpec(c, ['yi', 'ys']));
    const x = inputFor(c, 9, false);
    const a = loadOnnx(bytes).run({ x });
    const b = loadOnnx(bytes, { fuse: false }).run({ x });
    for (const name of ['out', 'yi', 'ys']) expect(bits(a[name]!.data)).toEqual(bits(b[name]!.data));
  });

  it('falls back to the four ops for a full [M,N] bias, with the same results', () => {
    const spec = quantLinearSpec({ batch: [], m: 2, k: 3, n: 2, uint8Weights: false, perColumn: false, swapOperands: false, biasShape: 'n', weights: [1, -2, 3, -4, 5, -6], scales: [0.03, 0.03], bias: [0, 0] });
    spec.initializers![3] = tensor('bias', [2, 2], [0.1, -0.2, 0.3, -0.4]);
    const bytes = modelBytes(spec);
    const x = { data: Float32Array.from([0.5, -1, 2, 1.5, 0, -0.75]), shape: [2, 3] };
    expect(bits(loadOnnx(bytes).run({ x }).out!.data)).toEqual(bits(loadOnnx(bytes, { fuse: false }).run({ x }).out!.data));
  });

  it('throws the unfused ShapeError of the Add when the bias does not broadcast', () => {
    const spec = quantLinearSpec({ batch: [], m: 1, k: 3, n: 4, uint8Weights: false, perColumn: false, swapOperands: false, biasShape: 'n', weights: Array.from({ length: 12 }, (_, i) => i - 6), scales: [0.1, 0.1, 0.1, 0.1], bias: [0, 0, 0, 0] });
    spec.initializers![3] = tensor('bias', [3], [1, 2, 3]);
    const bytes = modelBytes(spec);
    const message = /^Add "Add_y": shapes must be broadcast-compatible, got \[1,4\] and \[3\]$/;
    expectError(() => loadOnnx(bytes), ShapeError, message);
    expectError(() => loadOnnx(bytes, { fuse: false }), ShapeError, message);
  });
});

function prepared(spec: ModelSpec): PreparedNode[] {
  return spec.nodes.map((n) => {
    const where = nodeLabel(n);
    return { node: n, where, planner: findOp('', n.opType ?? '')!, attrs: new Attributes(n, where), opset: 13 };
  });
}

describe('fuseQuantizedLinear', () => {
  const c: Case = { batch: [], m: 1, k: 2, n: 2, uint8Weights: false, perColumn: false, swapOperands: true, biasShape: 'n', weights: [1, 2, 3, 4], scales: [0.1, 0.1], bias: [0, 0] };
  const ops = (nodes: PreparedNode[]): string[] => nodes.map((p) => p.node.opType ?? '');

  it('replaces MatMulInteger, Cast, Mul and Add by one node at the place of the Add', () => {
    const fused = fuseQuantizedLinear(prepared(quantLinearSpec(c)), ['out']);
    expect(ops(fused)).toEqual(['DynamicQuantizeLinear', 'Mul', 'MatMulInteger', 'Relu']);
    expect(fused[2]!.node.input).toEqual(['xq', 'W', 'xzp', 'wzp', 'sc', 'bias']);
    expect(fused[2]!.node.output).toEqual(['y']);
  });

  it('leaves the chain alone when an intermediate is a graph output or read twice', () => {
    const spec = quantLinearSpec(c);
    expect(fuseQuantizedLinear(prepared(spec), ['out', 'yf'])).toHaveLength(7);
    spec.nodes.push(node('Neg', ['ys'], ['extra']));
    expect(fuseQuantizedLinear(prepared(spec), ['out', 'extra'])).toHaveLength(8);
  });

  it('leaves the chain alone when the Cast is not to FLOAT', () => {
    const spec = quantLinearSpec(c);
    spec.nodes[2] = node('Cast', ['yi'], ['yf'], { to: DT.DOUBLE });
    expect(ops(fuseQuantizedLinear(prepared(spec), ['out']))).toContain('Cast');
  });
});
