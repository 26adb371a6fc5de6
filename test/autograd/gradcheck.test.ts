/**
 * The one gradient-check harness: for EVERY primitive in the rule table (the case table below is a
 * mapped type over `Primitive`, so a new primitive without a case fails tsc) a fast-check property
 * draws random shapes and op parameters, then float32-exact values, and compares the backward pass
 * of L(x) = sum(f(x) * g) against central finite differences of the same L computed in float64 by
 * the independent naive forward in reference-f64.ts (whose output must first match dadm's forward).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as A from '../../src/autograd/index.js';
import { Tensor } from '../../src/tensor/index.js';
import * as R from './reference-f64.js';
import { arbs, valuesOf, type Inst, type Kind } from './gradcheck-arbitraries.js';

const FC = { seed: 42, numRuns: 60 };
const tanhGelu = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const unary = (fwd: (x: A.Var) => A.Var, ref: (v: number) => number, kind: Kind = 'any') =>
  arbs.shape.map((s): Inst => ({ shapes: [s], kinds: [kind], fwd: ([x]) => fwd(x!), ref: ([x]) => R.map(x!, ref) }));
const binary = (fwd: (a: A.Var, b: A.Var) => A.Var, ref: (a: number, b: number) => number, kinds: Kind[] = ['any', 'any']) =>
  arbs.broadcastShapes(2).map(
    (shapes): Inst => ({ shapes, kinds, fwd: ([a, b]) => fwd(a!, b!), ref: ([a, b]) => R.zipWith([a!, b!], ([u, v]) => ref(u!, v!)) }),
  );

const cases: { [P in A.Primitive]: { label: string; gen: fc.Arbitrary<Inst> }[] } = {
  add: [{ label: 'broadcast', gen: binary(A.add, (a, b) => a + b) }],
  sub: [{ label: 'broadcast', gen: binary(A.sub, (a, b) => a - b) }],
  mul: [{ label: 'broadcast', gen: binary(A.mul, (a, b) => a * b) }],
  div: [{ label: 'broadcast', gen: binary(A.div, (a, b) => a / b, ['any', 'awayFromZero']) }],
  neg: [{ label: '', gen: unary(A.neg, (v) => -v) }],
  exp: [{ label: '', gen: unary(A.exp, Math.exp) }],
  log: [{ label: 'x > 0', gen: unary(A.log, Math.log, 'positive') }],
  sqrt: [{ label: 'x > 0', gen: unary(A.sqrt, Math.sqrt, 'positive') }],
  abs: [{ label: 'x != 0', gen: unary(A.abs, Math.abs, 'awayFromZero') }],
  tanh: [{ label: '', gen: unary(A.tanh, Math.tanh) }],
  sigmoid: [{ label: '', gen: unary(A.sigmoid, (v) => 1 / (1 + Math.exp(-v))) }],
  relu: [{ label: 'x != 0', gen: unary(A.relu, (v) => Math.max(v, 0), 'awayFromZero') }],
  pow: [
    { label: 'integer exponent', gen: fc.integer({ min: -2, max: 3 }).chain((e) => unary((x) => A.pow(x, e), (v) => v ** e, e < 0 ? 'awayFromZero' : 'any')) },
    { label: 'fractional exponent, x > 0', gen: fc.constantFrom(-0.5, 0.5, 1.5).chain((e) => unary((x) => A.pow(x, e), (v) => v ** e, 'positive')) },
  ],
  scale: [{ label: '', gen: arbs.value('any').chain((c) => unary((x) => A.scale(x, c), (v) => c * v)) }],
  gelu: [
    { label: 'exact', gen: unary(A.gelu, (v) => 0.5 * v * (1 + R.erf(v / Math.SQRT2))) },
    { label: 'tanh', gen: unary((x) => A.gelu(x, { approximate: 'tanh' }), tanhGelu) },
  ],
  clamp: [
    {
      label: 'bounds off the value grid',
      gen: fc.tuple(fc.integer({ min: -20, max: 0 }), fc.integer({ min: 0, max: 20 })).chain(([lo, hi]) => {
        const min = lo / 16 - 1 / 32, max = hi / 16 + 1 / 32;
        return unary((x) => A.clamp(x, { min, max }), (v) => Math.min(Math.max(v, min), max), 'spaced');
      }),
    },
  ],
  where: [
    {
      label: 'broadcast cond, a, b',
      gen: arbs.broadcastShapes(3).chain(([cs, as, bs]) =>
        fc.array(fc.boolean(), { minLength: R.sizeOf(cs!), maxLength: R.sizeOf(cs!) }).map((bits): Inst => {
          const cond = { data: Float64Array.from(bits, Number), shape: cs! };
          return {
            shapes: [as!, bs!],
            fwd: ([a, b]) => A.where(new Tensor(Float32Array.from(cond.data), cs!), a!, b!),
            ref: ([a, b]) => R.zipWith([cond, a!, b!], ([c, u, v]) => (c ? u! : v!)),
          };
        }),
      ),
    },
  ],
  sum: [
    {
      label: 'axis or all, keepDims',
      gen: arbs.shapeAxisOrAll.chain(([s, axis]) =>
        fc.boolean().map((keepDims): Inst => ({
          shapes: [s],
          fwd: ([x]) => A.sum(x!, axis === null ? { keepDims } : { axis, keepDims }),
          ref: ([x]) => R.reduce(x!, { axis, keepDims, init: 0, f: (a, v) => a + v }),
        })),
      ),
    },
  ],
  max: [
    {
      label: 'distinct values, axis or all',
      gen: arbs.shapeAxisOrAll.chain(([s, axis]) =>
        fc.boolean().map((keepDims): Inst => ({
          shapes: [s],
          kinds: ['spaced'],
          fwd: ([x]) => A.max(x!, axis === null ? { keepDims } : { axis, keepDims }),
          ref: ([x]) => R.reduce(x!, { axis, keepDims, init: -Infinity, f: Math.max }),
        })),
      ),
    },
  ],
  matmul: [{ label: 'broadcast batch', gen: arbs.matmulShapes.map((shapes): Inst => ({ shapes, fwd: ([a, b]) => A.matmul(a!, b!), ref: ([a, b]) => R.matmulRef(a!, b!) })) }],
  linear: [
    {
      label: 'with and without bias',
      gen: fc.tuple(arbs.shape, fc.integer({ min: 1, max: 4 }), fc.boolean()).map(([xs, out, bias]): Inst => {
        const shapes = [xs, [out, xs[xs.length - 1]!], ...(bias ? [[out]] : [])];
        return { shapes, fwd: ([x, w, b]) => A.linear(x!, w!, b), ref: ([x, w, b]) => R.linearRef(x!, w!, b) };
      }),
    },
  ],
  permute: [{ label: '', gen: arbs.permutation.map(([s, perm]): Inst => ({ shapes: [s], fwd: ([x]) => A.permute(x!, perm), ref: ([x]) => R.permuteRef(x!, perm) })) }],
  reshape: [
    {
      label: 'reversed dims, one maybe -1',
      gen: fc.tuple(arbs.shape, fc.nat()).map(([s, pick]): Inst => {
        const target = s.slice().reverse();
        if (pick % 2 === 0) target[pick % target.length] = -1;
        return { shapes: [s], fwd: ([x]) => A.reshape(x!, target), ref: ([x]) => ({ data: x!.data, shape: s.slice().reverse() }) };
      }),
    },
  ],
  concat: [{ label: '1 to 3 inputs', gen: arbs.concatShapes.map(([shapes, axis]): Inst => ({ shapes, fwd: (xs) => A.concat(xs, axis), ref: (xs) => R.concatRef(xs, axis) })) }],
  slice: [
    {
      label: 'start:end:step',
      gen: arbs.sliceSpec.map(([s, o, axis]): Inst => ({ shapes: [s], fwd: ([x]) => A.slice(x!, { ...o, axis }), ref: ([x]) => R.sliceRef(x!, o) })),
    },
  ],
  softmax: [{ label: 'any axis', gen: arbs.shapeAxis.map(([s, axis]): Inst => ({ shapes: [s], fwd: ([x]) => A.softmax(x!, axis), ref: ([x]) => R.softmaxRef(x!, axis, false) })) }],
  logSoftmax: [{ label: 'any axis', gen: arbs.shapeAxis.map(([s, axis]): Inst => ({ shapes: [s], fwd: ([x]) => A.logSoftmax(x!, axis), ref: ([x]) => R.softmaxRef(x!, axis, true) })) }],
  layerNorm: [
    {
      label: 'plain, weight, weight+bias, bias',
      gen: fc.tuple(arbs.shape, fc.boolean(), fc.boolean()).map(([s, hasW, hasB]): Inst => {
        const d = [s[s.length - 1]!];
        const shapes = [s, ...(hasW ? [d] : []), ...(hasB ? [d] : [])];
        const parts = (xs: readonly unknown[]): [unknown, unknown] => [hasW ? xs[1] : undefined, hasB ? xs[hasW ? 2 : 1] : undefined];
        return {
          shapes,
          fwd: (xs) => { const [w, b] = parts(xs) as [A.Var?, A.Var?]; return A.layerNorm(xs[0]!, { ...(w && { weight: w }), ...(b && { bias: b }) }); },
          ref: (xs) => { const [w, b] = parts(xs) as [R.F64?, R.F64?]; return R.layerNormRef(xs[0]!, w, b, 1e-5); },
        };
      }),
    },
  ],
};

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

/**
 * Analytic (float32 backward) vs numeric (float64) gradient. The numeric side is good to ~1e-9
 * (h = 1e-6 relative: truncation ~h^2 * f''' and rounding ~1e-16 * |L| / h). The analytic side is
 * float32: unit roundoff 2^-24 = 6e-8 times the longest sums here (a broadcast matmul operand's
 * gradient sums at most 4 x 9 = 36 products) bounds it by ~2e-6 of the largest gradient entry
 * (`scale`, >= 1); the worst seen over seeds 1, 7, 42 and 123 was 4e-7 * scale. A wrong rule is off
 * by O(1), and a 0.1% error in one entry of one input already fails every case.
 */
function checkGrad(analytic: Float32Array, numeric: Float64Array, what: string): void {
  let scale = 1;
  for (const v of numeric) scale = Math.max(scale, Math.abs(v));
  expect(analytic, what).toBeAllclose(numeric, { rtol: 1e-5, atol: 1e-5 * scale });
}

/** Float64 loss of the reference forward: sum(ref(xs) * g). */
function refLoss(inst: Inst, xs: R.F64[], g: Float32Array): number {
  const y = inst.ref(xs).data;
  let s = 0;
  for (let i = 0; i < g.length; i++) s += y[i]! * g[i]!;
  return s;
}

describe('gradient check over the whole rule table', () => {
  it('covers every primitive listed in PRIMITIVES', () => {
    expect(Object.keys(cases).sort()).toEqual([...A.PRIMITIVES].sort());
  });

  const flat = A.PRIMITIVES.flatMap((p) => cases[p].map((c) => [p, c.label, c.gen] as const));
  it.each(flat)('%s (%s): backward matches float64 central differences', (prim, _label, gen) => {
    const withValues = gen.chain((inst) =>
      fc.tuple(fc.constant(inst), fc.tuple(...inst.shapes.map((s, i) => valuesOf(R.sizeOf(s), inst.kinds?.[i] ?? 'any')))),
    );
    fc.assert(
      fc.property(withValues, fc.integer({ min: 1, max: 2 ** 30 }), ([inst, inputs], gSeed) => {
        const vars = inputs.map((d, i) => new A.Var(new Tensor(d, inst.shapes[i]!), { requiresGrad: true }));
        const out = inst.fwd(vars);
        expect(opsIn(out).has(prim), `${prim} must appear in the graph`).toBe(true);
        const f64 = inputs.map((d, i): R.F64 => ({ data: Float64Array.from(d), shape: inst.shapes[i]! }));
        const want = inst.ref(f64);
        expect(out.shape).toEqual(want.shape);
        expect(out.data, `${prim} forward`).toBeAllclose(want.data, { rtol: 1e-5, atol: 1e-6 });
        const g = Float32Array.from({ length: out.size }, (_, i) => Math.fround(Math.sin(gSeed + 7 * i)));
        A.backward(out, new Tensor(g, out.shape));
        f64.forEach((x, i) => {
          const numeric = new Float64Array(x.data.length);
          for (let j = 0; j < x.data.length; j++) {
            const x0 = x.data[j]!;
            const h = 1e-6 * Math.max(1, Math.abs(x0));
            x.data[j] = x0 + h;
            const up = refLoss(inst, f64, g);
            x.data[j] = x0 - h;
            const down = refLoss(inst, f64, g);
            x.data[j] = x0;
            numeric[j] = (up - down) / (2 * h);
          }
          checkGrad(vars[i]!.grad!.data, numeric, `${prim} input ${i}`);
        });
      }),
      FC,
    );
  });
});
