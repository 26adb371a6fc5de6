/**
 * The fused calibration-and-combination kernel (Concat → Sub → Mul → ReduceSum, as exportEnsemble
 * writes it) must give bit-identical float32 results to the same graph run node by node
 * (`loadOnnx(bytes, { fuse: false })`), must only fuse chains whose intermediates nobody else reads,
 * and must plan the four ops (same results) outside its case.
 */
import { describe, expect, it } from 'vitest';
import { fuseAffineSum } from '../../src/runtime/fuse-affine-sum.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { findOp } from '../../src/runtime/ops/registry.js';
import type { PreparedNode } from '../../src/runtime/plan.js';
import { Attributes, nodeLabel } from '../../src/runtime/proto-utils.js';
import { DT, modelBytes, node, tensor, valueInfo, type ModelSpec } from './build-model.js';

const NAMES = ['s0', 's1', 's2', 's3', 's4'];

/** M score columns [N, 1] → Concat → Sub centers → Mul factors → ReduceSum(axes [1]) → y [N]. */
function chainSpec(m: number, options: { keepdims?: number; centersAsInput?: boolean; extraOutputs?: string[] } = {}): ModelSpec {
  const columns = NAMES.slice(0, m);
  const centers = Array.from({ length: m }, (_, k) => Math.fround(0.3 * k - 0.7));
  const factors = Array.from({ length: m }, (_, k) => Math.fround(1 / (3 * (k + 1.7))));
  return {
    nodes: [
      node('Concat', columns, ['z'], { axis: 1 }),
      node('Sub', ['z', 'centers'], ['c']),
      node('Mul', ['c', 'factors'], ['w']),
      node('ReduceSum', ['w', 'axes'], ['y'], { keepdims: options.keepdims ?? 0 }),
    ],
    inputs: [...columns.map((name) => valueInfo(name, [null, 1])), ...(options.centersAsInput ? [valueInfo('centers', [m])] : [])],
    initializers: [...(options.centersAsInput ? [] : [tensor('centers', [m], centers)]), tensor('factors', [m], factors), tensor('axes', [1], [1], DT.INT64)],
    outputs: ['y', ...(options.extraOutputs ?? [])],
    opset: 13,
  };
}

/** Feeds of `rows` rows: values over many magnitudes, so float32 rounding differs per term. */
function feeds(m: number, rows: number, seed: number): Record<string, { data: Float32Array; shape: number[] }> {
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Object.fromEntries(NAMES.slice(0, m).map((name) => [name, { data: Float32Array.from({ length: rows }, () => (next() - 0.3) * 10 ** (4 * next() - 2)), shape: [rows, 1] }]));
}

function prepared(spec: ModelSpec): PreparedNode[] {
  return spec.nodes.map((n) => {
    const where = nodeLabel(n);
    return { node: n, where, planner: findOp('', n.opType ?? '')!, attrs: new Attributes(n, where), opset: 13 };
  });
}

describe('fuseAffineSum', () => {
  it('replaces Concat, Sub, Mul and ReduceSum by one node at the place of the ReduceSum', () => {
    const fused = fuseAffineSum(prepared(chainSpec(3)), ['y']);
    expect(fused.map((p) => p.node.opType)).toEqual(['ReduceSum']);
    expect(fused[0]!.node.input).toEqual(['s0', 's1', 's2', 'centers', 'factors', 'axes']);
    expect(fused[0]!.node.output).toEqual(['y']);
  });

  it('leaves the chain alone when an intermediate is a graph output or read twice', () => {
    expect(fuseAffineSum(prepared(chainSpec(3)), ['y', 'w'])).toHaveLength(4);
    const spec = chainSpec(3);
    spec.nodes.push(node('Neg', ['c'], ['extra']));
    expect(fuseAffineSum(prepared(spec), ['y', 'extra'])).toHaveLength(5);
  });

  for (const m of [1, 2, 3, 4, 5]) {
    it(`is bit-identical to the unfused graph for ${m} columns, one row and a batch`, () => {
      const bytes = modelBytes(chainSpec(m));
      const fused = loadOnnx(bytes);
      const plain = loadOnnx(bytes, { fuse: false });
      for (const [rows, seed] of [[1, 3], [1, 4], [37, 5]] as const) {
        const x = feeds(m, rows, seed);
        const got = Array.from(fused.run(x).y!.data);
        expect(got).toEqual(Array.from(plain.run(x).y!.data));
        expect(got).toHaveLength(rows);
      }
    });
  }

  it('scores one row through OnnxModel.score as the unfused graph does', () => {
    const spec = chainSpec(1);
    const bytes = modelBytes(spec);
    const x = feeds(1, 1, 9).s0!.data;
    expect(loadOnnx(bytes).score(x)).toBe(loadOnnx(bytes, { fuse: false }).score(x));
  });

  it('plans the four ops, with the same results, for keepdims 1 and for centers fed at run time', () => {
    const keep = modelBytes(chainSpec(3, { keepdims: 1 }));
    const x = feeds(3, 4, 11);
    const out = loadOnnx(keep).run(x).y!;
    expect(out.shape).toEqual([4, 1]);
    expect(Array.from(out.data)).toEqual(Array.from(loadOnnx(keep, { fuse: false }).run(x).y!.data));
    const fed = modelBytes(chainSpec(3, { centersAsInput: true }));
    const withCenters = { ...x, centers: { data: Float32Array.from([0.5, -2, 7]), shape: [3] } };
    expect(Array.from(loadOnnx(fed).run(withCenters).y!.data)).toEqual(Array.from(loadOnnx(fed, { fuse: false }).run(withCenters).y!.data));
  });
});
