/**
 * Each supported op on small graphs built with onnx-proto, against naive implementations written
 * here (or exactly known values).
 */
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { loadOnnx, SUPPORTED_OPS, type RunOutput } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/random.js';
import { DT, modelBytes, node, tensor, valueInfo, type ModelSpec } from './build-model.js';

const rng = new Random(7);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.fround(rng.uniform(-2, 2)));

function run1(spec: ModelSpec, feeds: Record<string, { data: ArrayLike<number>; shape: number[] }>): Record<string, RunOutput> {
  return loadOnnx(modelBytes(spec)).run(feeds);
}

/** Naive row-major [m,k] x [k,n]. */
function naiveMatmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    out.push(s);
  }
  return out;
}

function transpose2(x: ArrayLike<number>, r: number, c: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out.push(x[i * c + j]!);
  return out;
}

describe('Gemm', () => {
  for (const m of [1, 3]) {
    for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      it(`m=${m} transA=${transA} transB=${transB} alpha=0.5 beta=2.5 with [N] bias`, () => {
        const k = 5;
        const n = 4;
        const a = rand(m * k);
        const b = rand(k * n);
        const c = rand(n);
        const aStored = transA ? transpose2(a, m, k) : Array.from(a);
        const bStored = transB ? transpose2(b, k, n) : Array.from(b);
        const out = run1({
          nodes: [node('Gemm', ['A', 'B', 'C'], ['Y'], { alpha: 0.5, beta: 2.5, transA, transB })],
          inputs: [valueInfo('A', transA ? [k, m] : [m, k])],
          initializers: [tensor('B', transB ? [n, k] : [k, n], bStored), tensor('C', [n], c)],
          outputs: ['Y'],
        }, { A: { data: aStored, shape: transA ? [k, m] : [m, k] } });
        const ref = naiveMatmul(a, b, m, k, n).map((v, i) => 0.5 * v + 2.5 * c[i % n]!);
        expect(out.Y!.shape).toEqual([m, n]);
        expect(out.Y!.data).toBeAllclose(ref);
      });
    }
  }

  it('broadcasts a [M,1] C and works without C', () => {
    const a = rand(6);
    const b = rand(6);
    const c = rand(2);
    const out = run1({
      nodes: [node('Gemm', ['A', 'B', 'C'], ['Y']), node('Gemm', ['A', 'B'], ['Z'])],
      inputs: [valueInfo('A', [2, 3])],
      initializers: [tensor('B', [3, 2], b), tensor('C', [2, 1], c)],
      outputs: ['Y', 'Z'],
    }, { A: { data: a, shape: [2, 3] } });
    const ab = naiveMatmul(a, b, 2, 3, 2);
    expect(out.Y!.data).toBeAllclose(ab.map((v, i) => v + c[Math.floor(i / 2)]!));
    expect(out.Z!.data).toBeAllclose(ab);
  });

  it('throws ShapeError naming the node when inner dims differ', () => {
    const bytes = modelBytes({ nodes: [node('Gemm', ['A', 'B'], ['Y'])], inputs: [valueInfo('A', [1, 3])], initializers: [tensor('B', [4, 2], rand(8))], outputs: ['Y'] });
    expect(() => loadOnnx(bytes)).toThrow(ShapeError);
    expect(() => loadOnnx(bytes)).toThrow(/Gemm "Gemm_Y": inner dimensions must match, got \[1,3\] and \[4,2\]/);
  });
});

describe('MatMul', () => {
  const cases: [number[], number[], number[]][] = [
    [[2, 3, 4], [4, 5], [2, 3, 5]],
    [[2, 3, 4], [2, 4, 5], [2, 3, 5]],
    [[1, 3, 4], [2, 4, 5], [2, 3, 5]],
    [[4], [4, 5], [5]],
    [[3, 4], [4], [3]],
  ];
  for (const [as, bs, os] of cases) {
    it(`[${as}] x [${bs}] -> [${os}]`, () => {
      const a = rand(as.reduce((p, d) => p * d, 1));
      const b = rand(bs.reduce((p, d) => p * d, 1));
      const out = run1({ nodes: [node('MatMul', ['A', 'B'], ['Y'])], inputs: [valueInfo('A', as), valueInfo('B', bs)], outputs: ['Y'] }, { A: { data: a, shape: as }, B: { data: b, shape: bs } });
      const m = as.length > 1 ? as[as.length - 2]! : 1;
      const k = as[as.length - 1]!;
      const n = bs.length > 1 ? bs[bs.length - 1]! : 1;
      const batches = os.reduce((p, d) => p * d, 1) / (m * n);
      const ref: number[] = [];
      for (let t = 0; t < batches; t++) {
        const aBatch = as.length === 3 && as[0] !== 1 ? t : 0;
        const bBatch = bs.length === 3 ? t : 0;
        ref.push(...naiveMatmul(a.subarray(aBatch * m * k), b.subarray(bBatch * k * n), m, k, n));
      }
      expect(out.Y!.shape).toEqual(os);
      expect(out.Y!.data).toBeAllclose(ref);
    });
  }
});

describe('elementwise binary ops', () => {
  it('Add/Sub/Mul/Div/Pow broadcast [2,3] with [3] and [3,1] with [1,4]', () => {
    const a = rand(6);
    const b = Float32Array.from(rand(3), (v) => v + (v >= 0 ? 1 : -1));
    const c = rand(3);
    const d = rand(4);
    const out = run1({
      nodes: [
        node('Add', ['a', 'b'], ['add']), node('Sub', ['a', 'b'], ['sub']), node('Mul', ['a', 'b'], ['mul']),
        node('Div', ['a', 'b'], ['div']), node('Pow', ['b', 'two'], ['pow']), node('Sub', ['c', 'd'], ['outer']),
      ],
      inputs: [valueInfo('a', [2, 3]), valueInfo('b', [3]), valueInfo('c', [3, 1]), valueInfo('d', [1, 4])],
      initializers: [tensor('two', [], [3])],
      outputs: ['add', 'sub', 'mul', 'div', 'pow', 'outer'],
    }, { a: { data: a, shape: [2, 3] }, b: { data: b, shape: [3] }, c: { data: c, shape: [3, 1] }, d: { data: d, shape: [1, 4] } });
    const bi = (i: number): number => b[i % 3]!;
    expect(out.add!.data).toBeAllclose(Array.from(a, (v, i) => v + bi(i)));
    expect(out.sub!.data).toBeAllclose(Array.from(a, (v, i) => v - bi(i)));
    expect(out.mul!.data).toBeAllclose(Array.from(a, (v, i) => v * bi(i)));
    expect(out.div!.data).toBeAllclose(Array.from(a, (v, i) => v / bi(i)));
    expect(out.pow!.data).toBeAllclose(Array.from(b, (v) => v ** 3));
    expect(out.outer!.shape).toEqual([3, 4]);
    expect(out.outer!.data).toBeAllclose(Array.from({ length: 12 }, (_, i) => c[Math.floor(i / 4)]! - d[i % 4]!));
  });

  it('integer Div truncates toward zero; Equal gives bool; Max/Min take 3 inputs', () => {
    const out = run1({
      nodes: [
        node('Div', ['i', 'j'], ['q']), node('Equal', ['i', 'j'], ['eq']),
        node('Max', ['x', 'y', 'z'], ['mx']), node('Min', ['x', 'y', 'z'], ['mn']),
      ],
      inputs: [valueInfo('x', [3]), valueInfo('y', [3]), valueInfo('z', [1])],
      initializers: [tensor('i', [4], [-7, 7, 6, -6], DT.INT64), tensor('j', [4], [2, 2, 6, 4], DT.INT64)],
      outputs: ['q', 'eq', 'mx', 'mn'],
    }, { x: { data: [1, 5, -3], shape: [3] }, y: { data: [4, 2, -1], shape: [3] }, z: { data: [0], shape: [1] } });
    expect(Array.from(out.q!.data)).toEqual([-3, 3, 1, -1]);
    expect(out.eq!.dtype).toBe('bool');
    expect(Array.from(out.eq!.data)).toEqual([0, 0, 1, 0]);
    expect(Array.from(out.mx!.data)).toEqual([4, 5, 0]);
    expect(Array.from(out.mn!.data)).toEqual([0, 0, -3]);
  });
});

describe('elementwise unary ops', () => {
  const x = Float32Array.of(-1.5, -0.25, 0.5, 2);
  const pos = Float32Array.of(0.25, 1, 2.5, 4);
  const cases: [string, Float32Array, (v: number) => number][] = [
    ['Relu', x, (v) => Math.max(v, 0)], ['Neg', x, (v) => -v], ['Abs', x, Math.abs], ['Exp', x, Math.exp],
    ['Tanh', x, Math.tanh], ['Sigmoid', x, (v) => 1 / (1 + Math.exp(-v))], ['Sqrt', pos, Math.sqrt], ['Log', pos, Math.log],
  ];
  for (const [op, input, f] of cases) {
    it(`${op} matches Math`, () => {
      const out = run1({ nodes: [node(op, ['x'], ['y'])], inputs: [valueInfo('x', [4])], outputs: ['y'] }, { x: { data: input, shape: [4] } });
      expect(out.y!.data).toBeAllclose(Array.from(input, f));
    });
  }

  it('Erf matches tabulated values', () => {
    const out = run1({ nodes: [node('Erf', ['x'], ['y'])], inputs: [valueInfo('x', [6])], outputs: ['y'] }, { x: { data: [0, 0.5, 1, -2, 3, 1e-4], shape: [6] } });
    // erf(0.5), erf(1), erf(2), erf(3) from Abramowitz & Stegun table 7.1; erf(x) ~ 2x/sqrt(pi) near 0.
    expect(out.y!.data).toBeAllclose([0, 0.5204998778, 0.8427007929, -0.9953222650, 0.9999779095, 1.1283791671e-4], { rtol: 1e-6, atol: 1e-7 });
  });
});

describe('reductions', () => {
  const x = rand(24);
  const sumOver = (axes: number[], keep: boolean): { data: number[]; shape: number[] } => {
    const shape = [2, 3, 4];
    const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const data = new Array<number>(outShape.reduce((p, d) => p * d, 1)).fill(0);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
      const o = [i, j, k].map((v, d) => (axes.includes(d) ? 0 : v));
      data[(o[0]! * outShape[1]! + o[1]!) * outShape[2]! + o[2]!]! += x[(i * 3 + j) * 4 + k]!;
    }
    return { data, shape: keep ? outShape : outShape.filter((_, d) => !axes.includes(d)) };
  };

  it('ReduceMean with axes attribute (opset 13) and keepdims=0', () => {
    const out = run1({ nodes: [node('ReduceMean', ['x'], ['y'], { axes: [-1], keepdims: 0 })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'], opset: 13 }, { x: { data: x, shape: [2, 3, 4] } });
    const ref = sumOver([2], false);
    expect(out.y!.shape).toEqual(ref.shape);
    expect(out.y!.data).toBeAllclose(ref.data.map((v) => v / 4));
  });

  it('ReduceMean with axes input (opset 18) over non-adjacent axes [0,2], keepdims=1', () => {
    const out = run1({ nodes: [node('ReduceMean', ['x', 'axes'], ['y'])], inputs: [valueInfo('x', [2, 3, 4])], initializers: [tensor('axes', [2], [0, 2], DT.INT64)], outputs: ['y'], opset: 18 }, { x: { data: x, shape: [2, 3, 4] } });
    const ref = sumOver([0, 2], true);
    expect(out.y!.shape).toEqual([1, 3, 1]);
    expect(out.y!.data).toBeAllclose(ref.data.map((v) => v / 8));
  });

  it('ReduceSum with axes input (opset 13) and with no axes (all elements)', () => {
    const out = run1({
      nodes: [node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: 0 }), node('ReduceSum', ['x'], ['all'], { keepdims: 0 })],
      inputs: [valueInfo('x', [2, 3, 4])], initializers: [tensor('axes', [1], [1], DT.INT64)], outputs: ['y', 'all'], opset: 13,
    }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.data).toBeAllclose(sumOver([1], false).data);
    expect(out.all!.shape).toEqual([]);
    expect(out.all!.data).toBeAllclose([Array.from(x).reduce((p, v) => p + v, 0)]);
  });
});

describe('Softmax', () => {
  const x = Float32Array.from(rand(24), (v) => v * 20);
  const softmax = (vals: number[]): number[] => {
    const m = Math.max(...vals);
    const e = vals.map((v) => Math.exp(v - m));
    const s = e.reduce((p, v) => p + v, 0);
    return e.map((v) => v / s);
  };

  it('opset 13: over the single axis 1 of [2,3,4]', () => {
    const out = run1({ nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'], opset: 13 }, { x: { data: x, shape: [2, 3, 4] } });
    const ref = new Array<number>(24);
    for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) {
      const idx = [0, 1, 2].map((j) => (i * 3 + j) * 4 + k);
      softmax(idx.map((t) => x[t]!)).forEach((v, j) => (ref[idx[j]!] = v));
    }
    expect(out.y!.data).toBeAllclose(ref);
  });

  it('opset 11: coerced to 2-D at axis 1 (normalizes over 12 values)', () => {
    const out = run1({ nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'], opset: 11 }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.data).toBeAllclose([...softmax(Array.from(x.subarray(0, 12))), ...softmax(Array.from(x.subarray(12)))]);
  });
});

describe('LayerNormalization', () => {
  const x = rand(12);
  const scale = rand(4);
  const bias = rand(4);
  const ref: number[] = [];
  for (let r = 0; r < 3; r++) {
    const row = Array.from(x.subarray(r * 4, r * 4 + 4));
    const mean = row.reduce((p, v) => p + v, 0) / 4;
    const variance = row.reduce((p, v) => p + (v - mean) ** 2, 0) / 4;
    row.forEach((v, i) => ref.push(((v - mean) / Math.sqrt(variance + 1e-5)) * scale[i]! + bias[i]!));
  }

  it('fused op (opset 17) over the last axis', () => {
    const out = run1({ nodes: [node('LayerNormalization', ['x', 's', 'b'], ['y'], { axis: -1, epsilon: 1e-5 })], inputs: [valueInfo('x', [3, 4])], initializers: [tensor('s', [4], scale), tensor('b', [4], bias)], outputs: ['y'] }, { x: { data: x, shape: [3, 4] } });
    expect(out.y!.data).toBeAllclose(ref);
  });

  it('decomposed form (ReduceMean, Sub, Pow, Add, Sqrt, Div, Mul, Add) as opset-13 exporters write it', () => {
    const out = run1({
      nodes: [
        node('ReduceMean', ['x'], ['mu'], { axes: [-1] }), node('Sub', ['x', 'mu'], ['d']), node('Pow', ['d', 'two'], ['d2']),
        node('ReduceMean', ['d2'], ['var'], { axes: [-1] }), node('Add', ['var', 'eps'], ['ve']), node('Sqrt', ['ve'], ['sd']),
        node('Div', ['d', 'sd'], ['n']), node('Mul', ['n', 's'], ['ns']), node('Add', ['ns', 'b'], ['y']),
      ],
      inputs: [valueInfo('x', [3, 4])],
      initializers: [tensor('two', [], [2]), tensor('eps', [], [1e-5]), tensor('s', [4], scale), tensor('b', [4], bias)],
      outputs: ['y'], opset: 13,
    }, { x: { data: x, shape: [3, 4] } });
    expect(out.y!.data).toBeAllclose(ref);
  });
});

describe('shape ops and constant folding', () => {
  it('folds Shape -> Gather -> Unsqueeze -> Concat into the Reshape target (torch export pattern)', () => {
    const x = rand(24);
    const out = run1({
      nodes: [
        node('Shape', ['x'], ['s']), node('Gather', ['s', 'zero'], ['b'], { axis: 0 }), node('Unsqueeze', ['b', 'ax0'], ['b1']),
        node('Concat', ['b1', 'minus1'], ['target'], { axis: 0 }), node('Reshape', ['x', 'target'], ['y']),
      ],
      inputs: [valueInfo('x', [null, 3, 4])],
      initializers: [tensor('zero', [], [0], DT.INT64), tensor('ax0', [1], [0], DT.INT64), tensor('minus1', [1], [-1], DT.INT64)],
      outputs: ['y', 'target'],
    }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.shape).toEqual([2, 12]);
    expect(Array.from(out.target!.data)).toEqual([2, -1]);
    expect(out.y!.data).toEqual(x);
  });

  it('Reshape copies a dim for 0 and infers -1', () => {
    const out = run1({ nodes: [node('Reshape', ['x', 'shape'], ['y'])], inputs: [valueInfo('x', [2, 3, 4])], initializers: [tensor('shape', [3], [0, -1, 2], DT.INT64)], outputs: ['y'] }, { x: { data: rand(24), shape: [2, 3, 4] } });
    expect(out.y!.shape).toEqual([2, 6, 2]);
  });

  it('Unsqueeze/Squeeze take axes as an attribute before opset 13 and as an input from 13', () => {
    const x = { data: rand(6), shape: [2, 3] };
    const old = run1({ nodes: [node('Unsqueeze', ['x'], ['u'], { axes: [0, 3] }), node('Squeeze', ['u'], ['s'], { axes: [0] })], inputs: [valueInfo('x', [2, 3])], outputs: ['u', 's'], opset: 11 }, { x });
    expect(old.u!.shape).toEqual([1, 2, 3, 1]);
    expect(old.s!.shape).toEqual([2, 3, 1]);
    const cur = run1({ nodes: [node('Unsqueeze', ['x', 'ax'], ['u']), node('Squeeze', ['u'], ['s'])], inputs: [valueInfo('x', [2, 3])], initializers: [tensor('ax', [2], [0, -1], DT.INT64)], outputs: ['u', 's'], opset: 13 }, { x });
    expect(cur.u!.shape).toEqual([1, 2, 3, 1]);
    expect(cur.s!.shape).toEqual([2, 3]);
  });

  it('Transpose by perm', () => {
    const x = rand(24);
    const out = run1({ nodes: [node('Transpose', ['x'], ['y'], { perm: [2, 0, 1] })], inputs: [valueInfo('x', [2, 3, 4])], outputs: ['y'] }, { x: { data: x, shape: [2, 3, 4] } });
    expect(out.y!.shape).toEqual([4, 2, 3]);
    const ref: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) ref.push(x[(i * 3 + j) * 4 + k]!);
    expect(Array.from(out.y!.data)).toEqual(ref);
  });

  it('Slice with inputs (negative step, INT64_MAX end in raw_data) and with attributes (opset 9)', () => {
    const x = Float32Array.from({ length: 20 }, (_, i) => i);
    const out = run1({
      nodes: [node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y']), node('Slice', ['x', 'st2', 'big', 'ax1'], ['z'])],
      inputs: [valueInfo('x', [4, 5])],
      initializers: [
        tensor('st', [2], [-1, 1], DT.INT64), tensor('en', [2], [-1e18, 5], DT.INT64), tensor('ax', [2], [0, 1], DT.INT64), tensor('sp', [2], [-2, 2], DT.INT64),
        tensor('st2', [1], [3], DT.INT64), { name: 'big', dims: [1], dataType: DT.INT64, rawData: new Uint8Array(BigInt64Array.of(9223372036854775807n).buffer) }, tensor('ax1', [1], [1], DT.INT64),
      ],
      outputs: ['y', 'z'],
    }, { x: { data: x, shape: [4, 5] } });
    expect(out.y!.shape).toEqual([2, 2]);
    expect(Array.from(out.y!.data)).toEqual([16, 18, 6, 8]);
    expect(Array.from(out.z!.data)).toEqual([3, 4, 8, 9, 13, 14, 18, 19]);
    const old = run1({ nodes: [node('Slice', ['x'], ['y'], { starts: [1], ends: [3], axes: [0] })], inputs: [valueInfo('x', [4, 5])], outputs: ['y'], opset: 9 }, { x: { data: x, shape: [4, 5] } });
    expect(Array.from(old.y!.data)).toEqual(Array.from({ length: 10 }, (_, i) => i + 5));
  });

  it('Gather along axis 1 with negative indices, Concat along axis 1', () => {
    const x = Float32Array.from({ length: 6 }, (_, i) => i);
    const out = run1({
      nodes: [node('Gather', ['x', 'idx'], ['g'], { axis: 1 }), node('Concat', ['x', 'g'], ['c'], { axis: 1 })],
      inputs: [valueInfo('x', [2, 3])], initializers: [tensor('idx', [2], [-1, 0], DT.INT64)], outputs: ['g', 'c'],
    }, { x: { data: x, shape: [2, 3] } });
    expect(Array.from(out.g!.data)).toEqual([2, 0, 5, 3]);
    expect(out.c!.shape).toEqual([2, 5]);
    expect(Array.from(out.c!.data)).toEqual([0, 1, 2, 2, 0, 3, 4, 5, 5, 3]);
  });

  it('Constant (value_floats, value_int), Cast, Where, Expand, Identity', () => {
    const out = run1({
      nodes: [
        node('Constant', [], ['cf'], { value_floats: { floats: [0.5, -1.5] } }), node('Constant', [], ['ci'], { value_int: 3 }),
        node('Cast', ['x'], ['xi'], { to: DT.INT32 }), node('Cast', ['x'], ['xb'], { to: DT.BOOL }),
        node('Where', ['xb', 'x', 'cf'], ['w']), node('Expand', ['cf', 'shape'], ['e']), node('Identity', ['e'], ['id']),
      ],
      inputs: [valueInfo('x', [2, 2])], initializers: [tensor('shape', [2], [3, 1], DT.INT64)],
      outputs: ['cf', 'ci', 'xi', 'w', 'id'],
    }, { x: { data: [2.7, 0, -2.7, 1], shape: [2, 2] } });
    expect(Array.from(out.cf!.data)).toEqual([0.5, -1.5]);
    expect(out.ci!.dtype).toBe('int64');
    expect(Array.from(out.ci!.data)).toEqual([3]);
    expect(Array.from(out.xi!.data)).toEqual([2, 0, -2, 1]);
    expect(out.w!.data).toBeAllclose([2.7, -1.5, -2.7, 1]);
    expect(out.id!.shape).toEqual([3, 2]);
    expect(Array.from(out.id!.data)).toEqual([0.5, -1.5, 0.5, -1.5, 0.5, -1.5]);
  });
});

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
});

describe('SUPPORTED_OPS', () => {
  it('lists every op the brief requires', () => {
    for (const op of ['Gemm', 'MatMul', 'Softmax', 'LayerNormalization', 'DynamicQuantizeLinear', 'MatMulInteger', 'ai.onnx.ml:TreeEnsembleRegressor']) {
      expect(SUPPORTED_OPS).toContain(op);
    }
  });
});
