/**
 * Every case of test/fixtures/autograd_ops.json (PyTorch float64 references, see
 * test/fixtures/README.autograd.md): forward output, every input gradient for
 * L = sum(output * grad_out), and max's argmax indices.
 *
 * Tolerance (the README's suggestion): |got - ref| <= atol + rtol |ref| with rtol = 1e-4 and
 * atol = 1e-5 * max(1, max|ref|), both multiplied by sqrt(K) where K is the number of terms summed
 * to produce that value (inner dim of a matmul, reduced length, broadcast repeats, rows summed into
 * a weight gradient); K = 1 for elementwise values.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as A from '../../src/autograd/index.js';
import { Tensor, maxWithIndices } from '../../src/tensor/index.js';

interface RefTensor { shape: number[]; data: number[]; dtype?: string }
interface RefInput extends RefTensor { name: string }
interface RefCase {
  id: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: RefInput[];
  grad_out: RefTensor;
  output: RefTensor;
  grads: Record<string, RefTensor | null>;
  extra?: { indices: RefTensor };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/autograd_ops.json', import.meta.url), 'utf8')) as {
  meta: { n_cases: number };
  cases: RefCase[];
};

const tensorOf = (t: RefTensor): Tensor => new Tensor(Float32Array.from(t.data), t.shape);
const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const num = (v: unknown): number => v as number;

/** Applies the case's op through the autograd API. */
function apply(c: RefCase, v: A.Var[], cond: Tensor | undefined): A.Var {
  const at = c.attrs;
  const dimOrNull = at.dim === null ? null : num(at.dim);
  switch (c.op) {
    case 'add': return A.add(v[0]!, v[1]!);
    case 'sub': return A.sub(v[0]!, v[1]!);
    case 'mul': return A.mul(v[0]!, v[1]!);
    case 'div': return A.div(v[0]!, v[1]!);
    case 'matmul': return A.matmul(v[0]!, v[1]!);
    case 'relu': return A.relu(v[0]!);
    case 'gelu': return A.gelu(v[0]!, { approximate: at.approximate as 'none' | 'tanh' });
    case 'tanh': return A.tanh(v[0]!);
    case 'sigmoid': return A.sigmoid(v[0]!);
    case 'exp': return A.exp(v[0]!);
    case 'neg': return A.neg(v[0]!);
    case 'log': return A.log(v[0]!);
    case 'sqrt': return A.sqrt(v[0]!);
    case 'pow': return A.pow(v[0]!, num(at.exponent));
    case 'abs': return A.abs(v[0]!);
    case 'softmax': return A.softmax(v[0]!, num(at.dim));
    case 'log_softmax': return A.logSoftmax(v[0]!, num(at.dim));
    case 'layer_norm': return A.layerNorm(v[0]!, { weight: v[1]!, bias: v[2]!, eps: num(at.eps) });
    case 'mse_loss': return A.mseLoss(v[0]!, v[1]!);
    case 'sum': return A.sum(v[0]!, { axis: dimOrNull, keepDims: at.keepdim as boolean });
    case 'mean': return A.mean(v[0]!, { axis: dimOrNull, keepDims: at.keepdim as boolean });
    case 'max': return A.max(v[0]!, { axis: dimOrNull, keepDims: at.keepdim as boolean });
    case 'transpose': return A.transpose(v[0]!, num(at.dim0), num(at.dim1));
    case 'reshape': return A.reshape(v[0]!, at.shape as number[]);
    case 'concat': return A.concat(v, num(at.dim));
    case 'slice': return A.slice(v[0]!, { axis: num(at.dim), start: num(at.start), end: num(at.end), step: num(at.step) });
    case 'linear': return A.linear(v[0]!, v[1]!, v[2]);
    case 'where': return A.where(cond!, v[0]!, v[1]!);
    case 'clamp': return A.clamp(v[0]!, { min: at.min as number | null, max: at.max as number | null });
    default: throw new Error(`test: no mapping for op ${c.op}`);
  }
}

/** Terms summed into the forward output (K for its tolerance). */
function outputTerms(c: RefCase): number {
  const s = c.inputs[0]!.shape;
  switch (c.op) {
    case 'matmul': return s[s.length - 1]!;
    case 'linear': return s[s.length - 1]!;
    case 'sum': case 'mean': case 'max': return c.attrs.dim === null ? size(s) : s.at(num(c.attrs.dim))!;
    case 'softmax': case 'log_softmax': case 'layer_norm': return s[s.length - 1]!;
    case 'mse_loss': return size(s);
    default: return 1;
  }
}

/** Terms summed into the gradient of input `i` (K for its tolerance). */
function gradTerms(c: RefCase, i: number): number {
  const inShape = c.inputs[i]!.shape;
  const out = size(c.output.shape);
  switch (c.op) {
    case 'matmul': case 'linear': {
      // dA / dx sums over the n output columns; dB / dW / db over all (batched) output rows.
      const n = c.output.shape.at(-1)!;
      return Math.max(n, out / n);
    }
    case 'layer_norm': return Math.max(size(c.inputs[0]!.shape) / inShape.at(-1)!, inShape.at(-1)!);
    case 'softmax': case 'log_softmax': return inShape.at(-1)!;
    default: return Math.max(1, out / Math.max(1, size(inShape)));
  }
}

function expectClose(got: Tensor, ref: RefTensor, k: number, what: string): void {
  expect(got.shape, `${what} shape`).toEqual(ref.shape);
  let maxRef = 0;
  for (const r of ref.data) maxRef = Math.max(maxRef, Math.abs(r));
  const loosen = Math.sqrt(k);
  expect(got.data, what).toBeAllclose(ref.data, { rtol: 1e-4 * loosen, atol: 1e-5 * Math.max(1, maxRef) * loosen });
}

describe('autograd_ops.json reference cases', () => {
  it(`has all ${fixture.meta.n_cases} cases`, () => {
    expect(fixture.cases.length).toBe(157);
    expect(fixture.cases.length).toBe(fixture.meta.n_cases);
  });

  it.each(fixture.cases.map((c) => [c.id, c] as const))('%s: output and every input gradient', (_id, c) => {
    let cond: Tensor | undefined;
    const vars: A.Var[] = [];
    const byName = new Map<string, A.Var>();
    for (const inp of c.inputs) {
      if (inp.dtype === 'bool') {
        cond = tensorOf(inp);
        continue;
      }
      const v = new A.Var(tensorOf(inp), { requiresGrad: true });
      vars.push(v);
      byName.set(inp.name, v);
    }
    const out = apply(c, vars, cond);
    expectClose(out.value, c.output, outputTerms(c), `${c.id} output`);
    A.backward(out, tensorOf(c.grad_out));
    c.inputs.forEach((inp, i) => {
      const ref = c.grads[inp.name];
      if (ref === null || ref === undefined) {
        expect(inp.dtype, `${c.id}: only the condition has no gradient`).toBe('bool');
        return;
      }
      const g = byName.get(inp.name)!.grad;
      expect(g, `${c.id} grad ${inp.name}`).toBeDefined();
      expectClose(g!, ref, gradTerms(c, i), `${c.id} grad ${inp.name}`);
    });
    if (c.extra) {
      const x = tensorOf(c.inputs[0]!);
      const dim = c.attrs.dim === null ? null : num(c.attrs.dim);
      const { indices } = maxWithIndices(x, { axis: dim });
      expect(Array.from(indices)).toEqual(c.extra.indices.data);
    }
  });
});
