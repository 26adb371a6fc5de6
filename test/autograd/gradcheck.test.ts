/**
 * The one gradient-check harness: for EVERY primitive in the rule table (the case table below is a
 * mapped type over `Primitive`, so a new primitive without a case fails tsc) it compares the
 * backward pass against central finite differences of L(x) = sum(f(x) * g) on seeded random inputs.
 * L is accumulated in float64; steps are 1e-2 on float32 inputs kept away from kinks and ties, so
 * truncation and rounding errors stay ~1e-4 relative, while a wrong rule is off by O(1).
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/autograd/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';

type Kind = 'any' | 'positive' | 'awayFromZero' | 'spaced';
interface GradCase {
  label: string;
  shapes: number[][];
  kind?: Kind;
  apply: (xs: A.Var[]) => A.Var;
}

const EPS = 1e-2;
const cond = new Tensor(Float32Array.from([1, 0, 1, 1, 0, 0]), [2, 3]);

const cases: { [P in A.Primitive]: GradCase[] } = {
  add: [{ label: '[2,3]+[3]', shapes: [[2, 3], [3]], apply: ([a, b]) => A.add(a!, b!) }],
  sub: [{ label: '[2,1]-[1,3]', shapes: [[2, 1], [1, 3]], apply: ([a, b]) => A.sub(a!, b!) }],
  mul: [{ label: '[2,3]*[2,1]', shapes: [[2, 3], [2, 1]], apply: ([a, b]) => A.mul(a!, b!) }],
  div: [{ label: '[3]/[2,3]', shapes: [[3], [2, 3]], kind: 'awayFromZero', apply: ([a, b]) => A.div(a!, b!) }],
  neg: [{ label: '[4]', shapes: [[4]], apply: ([x]) => A.neg(x!) }],
  exp: [{ label: '[2,3]', shapes: [[2, 3]], apply: ([x]) => A.exp(x!) }],
  log: [{ label: '[5]', shapes: [[5]], kind: 'positive', apply: ([x]) => A.log(x!) }],
  sqrt: [{ label: '[5]', shapes: [[5]], kind: 'positive', apply: ([x]) => A.sqrt(x!) }],
  abs: [{ label: '[6]', shapes: [[6]], kind: 'awayFromZero', apply: ([x]) => A.abs(x!) }],
  tanh: [{ label: '[6]', shapes: [[6]], apply: ([x]) => A.tanh(x!) }],
  sigmoid: [{ label: '[6]', shapes: [[6]], apply: ([x]) => A.sigmoid(x!) }],
  relu: [{ label: '[2,4]', shapes: [[2, 4]], kind: 'awayFromZero', apply: ([x]) => A.relu(x!) }],
  pow: [
    { label: 'x^3', shapes: [[5]], apply: ([x]) => A.pow(x!, 3) },
    { label: 'x^-0.5', shapes: [[5]], kind: 'positive', apply: ([x]) => A.pow(x!, -0.5) },
  ],
  scale: [{ label: '-2.5 x', shapes: [[3, 2]], apply: ([x]) => A.scale(x!, -2.5) }],
  gelu: [
    { label: 'exact', shapes: [[7]], apply: ([x]) => A.gelu(x!) },
    { label: 'tanh', shapes: [[7]], apply: ([x]) => A.gelu(x!, { approximate: 'tanh' }) },
  ],
  clamp: [{ label: '[-0.5,0.6]', shapes: [[8]], kind: 'spaced', apply: ([x]) => A.clamp(x!, { min: -0.55, max: 0.65 }) }],
  where: [{ label: 'cond[2,3], a[2,3], b[3]', shapes: [[2, 3], [3]], apply: ([a, b]) => A.where(cond, a!, b!) }],
  sum: [
    { label: 'axis 1', shapes: [[2, 3, 2]], apply: ([x]) => A.sum(x!, { axis: 1 }) },
    { label: 'all, keepDims', shapes: [[2, 3]], apply: ([x]) => A.sum(x!, { keepDims: true }) },
  ],
  max: [
    { label: 'axis 0', shapes: [[3, 4]], kind: 'spaced', apply: ([x]) => A.max(x!, { axis: 0 }) },
    { label: 'all', shapes: [[2, 3]], kind: 'spaced', apply: ([x]) => A.max(x!) },
  ],
  matmul: [
    { label: '[2,3,4]x[4,5]', shapes: [[2, 3, 4], [4, 5]], apply: ([a, b]) => A.matmul(a!, b!) },
    { label: '[3,4]x[2,4,2]', shapes: [[3, 4], [2, 4, 2]], apply: ([a, b]) => A.matmul(a!, b!) },
    { label: '[2,1,2,3]x[3,3,2]', shapes: [[2, 1, 2, 3], [3, 3, 2]], apply: ([a, b]) => A.matmul(a!, b!) },
  ],
  linear: [
    { label: 'bias', shapes: [[3, 4], [5, 4], [5]], apply: ([x, w, b]) => A.linear(x!, w!, b!) },
    { label: '3-D, no bias', shapes: [[2, 3, 4], [2, 4]], apply: ([x, w]) => A.linear(x!, w!) },
  ],
  permute: [{ label: '[2,3,4] perm [2,0,1]', shapes: [[2, 3, 4]], apply: ([x]) => A.permute(x!, [2, 0, 1]) }],
  reshape: [{ label: '[2,3]->[3,-1]', shapes: [[2, 3]], apply: ([x]) => A.reshape(x!, [3, -1]) }],
  concat: [{ label: 'axis 1', shapes: [[2, 1], [2, 3]], apply: ([a, b]) => A.concat([a!, b!], 1) }],
  slice: [{ label: 'axis -1 1:6:2', shapes: [[2, 7]], apply: ([x]) => A.slice(x!, { axis: -1, start: 1, end: 6, step: 2 }) }],
  softmax: [{ label: 'axis 0', shapes: [[4, 3]], apply: ([x]) => A.softmax(x!, 0) }],
  logSoftmax: [{ label: 'last axis', shapes: [[3, 5]], apply: ([x]) => A.logSoftmax(x!) }],
  layerNorm: [
    { label: 'weight+bias', shapes: [[3, 5], [5], [5]], apply: ([x, w, b]) => A.layerNorm(x!, { weight: w!, bias: b! }) },
    { label: 'plain', shapes: [[2, 4]], apply: ([x]) => A.layerNorm(x!) },
  ],
};

function values(rng: Random, n: number, kind: Kind): Float32Array {
  const out = new Float32Array(n);
  if (kind === 'spaced') {
    // Distinct values 0.2 apart (no ties, no bound within a step): a shuffled grid plus jitter.
    const perm = rng.permutation(n);
    for (let i = 0; i < n; i++) out[i] = (perm[i]! - n / 2) * 0.2 + rng.uniform(-0.03, 0.03);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const u = rng.uniform(-1, 1);
    out[i] = kind === 'positive' ? 0.5 + 1.5 * Math.abs(u) : kind === 'awayFromZero' ? Math.sign(u || 1) * (0.3 + Math.abs(u)) : 1.5 * u;
  }
  return out;
}

function lossOf(v: A.Var, g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += v.data[i]! * g[i]!;
  return s;
}

function opsIn(root: A.Var): Set<string> {
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length) {
    const v = stack.pop()!;
    if (v.node) {
      seen.add(v.node.op);
      stack.push(...v.node.inputs);
    }
  }
  return seen;
}

describe('gradient check over the whole rule table', () => {
  it('covers every primitive listed in PRIMITIVES', () => {
    expect(Object.keys(cases).sort()).toEqual([...A.PRIMITIVES].sort());
  });

  const flat = A.PRIMITIVES.flatMap((p) => cases[p].map((c) => [p, c.label, c] as const));
  it.each(flat)('%s (%s): backward matches central differences', (prim, _label, c) => {
    const rng = new Random(1234);
    const inputs = c.shapes.map((s) => values(rng, s.reduce((p, d) => p * d, 1), c.kind ?? 'any'));
    const vars = inputs.map((d, i) => new A.Var(new Tensor(d, c.shapes[i]!), { requiresGrad: true }));
    const out = c.apply(vars);
    expect(opsIn(out).has(prim), `${prim} must appear in the graph`).toBe(true);
    const g = rng.uniformFill(new Float32Array(out.size), -1, 1);
    A.backward(out, new Tensor(g, out.shape));
    inputs.forEach((data, i) => {
      const analytic = vars[i]!.grad!.data;
      const numeric = new Float64Array(data.length);
      for (let j = 0; j < data.length; j++) {
        const x0 = data[j]!;
        const plus = Float32Array.from(data), minus = Float32Array.from(data);
        plus[j] = x0 + EPS;
        minus[j] = x0 - EPS;
        const f = (d: Float32Array): number =>
          A.noGrad(() => lossOf(c.apply(inputs.map((o, k) => new A.Var(new Tensor(k === i ? d : o, c.shapes[k]!)))), g));
        numeric[j] = (f(plus) - f(minus)) / (plus[j]! - minus[j]!);
      }
      expect(analytic, `${prim} ${c.label} input ${i}`).toBeAllclose(numeric, { rtol: 1e-2, atol: 2e-3 });
    });
  });
});
