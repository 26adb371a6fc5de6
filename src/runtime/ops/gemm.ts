/**
 * Gemm: Y = alpha * op(A) * op(B) + beta * C, with A, B 2-D float32 and C broadcast to [M, N].
 * A single row (M = 1, the latency path) uses a dot-product loop that adds the bias in the same pass;
 * larger M use the shared blocked `gemm` kernel after writing beta*C into Y. Under the wasm backend
 * (chosen when the plan is built) Y lives in the kernel heap and a constant B is copied there once,
 * for a single row transposed to [K, N] so the row kernel streams it; then no run copies either.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { broadcastShapes, ownedKernelBuffer, sameShape, wasmActive } from '../../tensor/kernels.js';
import { gemm } from '../../tensor/neural-kernels.js';
import { need, needDType, needRank, newBroadcastIndex, newValue, type OpArgs, type OpPlan } from './types.js';

export function planGemm(args: OpArgs): OpPlan {
  const A = need(args, 0, 'A');
  const B = need(args, 1, 'B');
  const C = args.inputs[2];
  needDType(args, A, 'A', ['float32']);
  needDType(args, B, 'B', ['float32']);
  needRank(args, A, 'A', 2);
  needRank(args, B, 'B', 2);
  const transA = args.attrs.int('transA', 0) !== 0;
  const transB = args.attrs.int('transB', 0) !== 0;
  const alpha = args.attrs.float('alpha', 1);
  const beta = args.attrs.float('beta', 1);
  const [m, k] = transA ? [A.shape[1]!, A.shape[0]!] : [A.shape[0]!, A.shape[1]!];
  const [kb, n] = transB ? [B.shape[1]!, B.shape[0]!] : [B.shape[0]!, B.shape[1]!];
  if (k !== kb) {
    throw new ShapeError(`${args.where}: inner dimensions must match, got ${fmtShape(A.shape)} and ${fmtShape(B.shape)} (transA=${+transA}, transB=${+transB})`, 'Gemm', [A.shape, B.shape]);
  }
  const Y = newValue(args, 'float32', [m, n]);
  const wasm = wasmActive();
  if (wasm) Y.data = ownedKernelBuffer(Y, m * n);
  const a = A.data as Float32Array;
  const b = wasm && B.isConst ? heapWeights(Y, B.data as Float32Array, { k, n, transB, row: m === 1 && !transA }) : B.data as Float32Array;
  const y = Y.data as Float32Array;
  let ci: Int32Array | null = null;
  let c: Float32Array = new Float32Array(0);
  if (C) {
    needDType(args, C, 'C', ['float32']);
    if (!sameShape(broadcastShapes(args.where, C.shape, [m, n]), [m, n])) {
      throw new ShapeError(`${args.where}: C must broadcast to [${m},${n}], got ${fmtShape(C.shape)}`, 'Gemm', [C.shape]);
    }
    ci = newBroadcastIndex(args, C.shape, [m, n]);
    c = C.data as Float32Array;
  }
  // A [N] or [1,N] bias (every Linear layer) is one row repeated: fill row by row, no index map.
  const rowBias = C !== undefined && C.data.length === n && (C.shape.length === 1 || C.shape[0] === 1);
  const scaledRow = rowBias ? Float32Array.from(c, (v) => beta * v) : new Float32Array(0);
  if (m === 1 && !transA) {
    if (wasm && B.isConst && (rowBias || ci === null || beta === 0)) {
      // b is op(B) as [K, N] in the heap: y = beta c, then y += alpha x b on the WebAssembly row kernel.
      const opts = { m: 1, n, k, alpha, accumulate: true };
      return { outputs: [Y], run: () => { if (rowBias && beta !== 0) y.set(scaledRow); else y.fill(0); gemm(a, b, y, opts); } };
    }
    return { outputs: [Y], run: rowKernel({ a, b: B.data as Float32Array, y, c, ci, n, k, transB, alpha, beta }) };
  }
  const opts = { m, n, k, transA, transB, alpha, accumulate: ci !== null && beta !== 0 };
  const mn = m * n;
  const run = (): void => {
    if (rowBias) for (let i = 0; i < m; i++) y.set(scaledRow, i * n);
    else if (ci !== null) for (let i = 0; i < mn; i++) y[i] = beta * c[ci[i]!]!;
    gemm(a, b, y, opts);
  };
  return { outputs: [Y], run };
}

/**
 * A constant B copied into the kernel heap for the plan's life: as stored, or, for the single-row
 * kernel, as op(B) [K, N] (transposed when transB) so one row of B is one axpy.
 */
function heapWeights(owner: object, b: Float32Array, o: { k: number; n: number; transB: boolean; row: boolean }): Float32Array {
  const out = ownedKernelBuffer(owner, b.length);
  if (!o.row || !o.transB) {
    out.set(b);
  } else {
    for (let j = 0; j < o.n; j++) for (let p = 0; p < o.k; p++) out[p * o.n + j] = b[j * o.k + p]!;
  }
  return out;
}

interface RowArgs {
  a: Float32Array;
  b: Float32Array;
  y: Float32Array;
  c: Float32Array;
  ci: Int32Array | null;
  n: number;
  k: number;
  transB: boolean;
  alpha: number;
  beta: number;
}

/**
 * y[j] = alpha * sum_p a[p] op(B)[p, j] + beta * c[j] for one row, accumulated in float64.
 * The closures copy captured variables into locals first: V8 reloads captured (context) variables
 * on every loop iteration, which doubled the time of this loop.
 */
function rowKernel(args: RowArgs): () => void {
  const bias = args.ci ?? new Int32Array(args.n);
  const betaEff = args.ci === null ? 0 : args.beta;
  const cData = args.ci === null ? new Float32Array(1) : args.c;
  if (args.transB) {
    return () => {
      const { a, b, y, n, k, alpha } = args;
      const c = cData;
      const beta = betaEff;
      const ci = bias;
      for (let j = 0; j < n; j++) {
        const row = j * k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let p = 0;
        for (; p + 3 < k; p += 4) {
          s0 += a[p]! * b[row + p]!;
          s1 += a[p + 1]! * b[row + p + 1]!;
          s2 += a[p + 2]! * b[row + p + 2]!;
          s3 += a[p + 3]! * b[row + p + 3]!;
        }
        for (; p < k; p++) s0 += a[p]! * b[row + p]!;
        y[j] = alpha * (s0 + s1 + (s2 + s3)) + beta * c[ci[j]!]!;
      }
    };
  }
  const scratch = new Float64Array(args.n);
  return () => {
    const { a, b, y, n, k, alpha } = args;
    const acc = scratch;
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a[p]!;
      const row = p * n;
      for (let j = 0; j < n; j++) acc[j]! += av * b[row + j]!;
    }
    for (let j = 0; j < n; j++) y[j] = alpha * acc[j]! + betaEff * cData[bias[j]!]!;
  };
}
