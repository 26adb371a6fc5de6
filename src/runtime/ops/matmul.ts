/**
 * MatMul (numpy.matmul semantics: 1-D promotion, batch dims broadcast) on float32 through the shared
 * blocked `gemm` kernel. The batch layout is computed once at plan time; when B has no batch dims the
 * batch is folded into M so one gemm call does all of it. Under the wasm backend (chosen when the
 * plan is built) Y and a constant B live in the kernel heap, so runs copy neither.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { broadcastShapes, ownedKernelBuffer, wasmActive } from '../../tensor/kernels.js';
import { gemm } from '../../tensor/neural-kernels.js';
import { need, needDType, newBroadcastIndex, newValue, type OpArgs, type OpPlan } from './types.js';

/** Where each batch's A and B start, and the output shape, for A [..., M, K] x B [..., K, N]. */
export interface MatmulLayout {
  m: number;
  n: number;
  k: number;
  outShape: number[];
  /** Element offsets of each batch's A and B matrices; output batch i starts at i*m*n. */
  aOffsets: Int32Array;
  bOffsets: Int32Array;
}

/** Computes the layout. @throws ShapeError when the inner dims differ or batch dims do not broadcast */
export function matmulLayout(args: OpArgs, aShape: readonly number[], bShape: readonly number[]): MatmulLayout {
  if (aShape.length === 0 || bShape.length === 0) {
    throw new ShapeError(`${args.where}: inputs must have rank >= 1, got ${fmtShape(aShape)} and ${fmtShape(bShape)}`, args.opType);
  }
  const a = aShape.length === 1 ? [1, aShape[0]!] : [...aShape];
  const b = bShape.length === 1 ? [bShape[0]!, 1] : [...bShape];
  const m = a[a.length - 2]!;
  const k = a[a.length - 1]!;
  const n = b[b.length - 1]!;
  if (b[b.length - 2] !== k) {
    throw new ShapeError(`${args.where}: inner dimensions must match, got ${fmtShape(aShape)} and ${fmtShape(bShape)}`, args.opType, [aShape, bShape]);
  }
  const aBatch = a.slice(0, -2);
  const bBatch = b.slice(0, -2);
  const batch = broadcastShapes(args.where, aBatch, bBatch);
  const outShape = [...batch];
  if (aShape.length > 1) outShape.push(m);
  if (bShape.length > 1) outShape.push(n);
  const aIdx = newBroadcastIndex(args, aBatch, batch);
  const bIdx = newBroadcastIndex(args, bBatch, batch);
  for (let i = 0; i < aIdx.length; i++) aIdx[i]! *= m * k;
  for (let i = 0; i < bIdx.length; i++) bIdx[i]! *= k * n;
  return { m, n, k, outShape, aOffsets: aIdx, bOffsets: bIdx };
}

/** MatMul on float32. */
export function planMatMul(args: OpArgs): OpPlan {
  const A = need(args, 0, 'A');
  const B = need(args, 1, 'B');
  needDType(args, A, 'A', ['float32']);
  needDType(args, B, 'B', ['float32']);
  const L = matmulLayout(args, A.shape, B.shape);
  const Y = newValue(args, 'float32', L.outShape);
  const wasm = wasmActive();
  if (wasm) Y.data = ownedKernelBuffer(Y, Y.data.length);
  const a = A.data as Float32Array;
  let b = B.data as Float32Array;
  if (wasm && B.isConst) (b = ownedKernelBuffer(Y, b.length)).set(B.data as Float32Array);
  const y = Y.data as Float32Array;
  const batches = L.aOffsets.length;
  const bShared = B.shape.length <= 2;
  if (bShared) {
    // A's batches are contiguous and B is shared: one [batches*m, k] x [k, n] product.
    const opts = { m: batches * L.m, n: L.n, k: L.k };
    return { outputs: [Y], run: () => gemm(a, b, y, opts) };
  }
  const opts = { m: L.m, n: L.n, k: L.k, aOffset: 0, bOffset: 0, cOffset: 0 };
  const { aOffsets, bOffsets } = L;
  const mn = L.m * L.n;
  const run = (): void => {
    for (let i = 0; i < batches; i++) {
      opts.aOffset = aOffsets[i]!;
      opts.bOffset = bOffsets[i]!;
      opts.cOffset = i * mn;
      gemm(a, b, y, opts);
    }
  };
  return { outputs: [Y], run };
}
