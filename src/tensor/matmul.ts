/** Matrix product of 2-D and batched tensors with broadcast batch dimensions (torch.matmul for rank >= 2). */
import { ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, forEachRun, planBroadcast } from './broadcast.js';
import { gemm } from './gemm.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

export interface MatmulOptions {
  /** Use the transpose of `a`'s last two dims (a stored [..., k, m]). */
  transA?: boolean;
  /** Use the transpose of `b`'s last two dims (b stored [..., n, k]). */
  transB?: boolean;
}

/**
 * `a [..., m, k] · b [..., k, n] -> [..., m, n]`; batch dims broadcast (a 2-D operand is shared by
 * every batch). Transposed operands are read in place, never copied.
 * @throws ShapeError `"matmul: inner dimensions must match, got [2,3] and [4,2]"`, for rank < 2, or
 * for incompatible batch dims
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA === true;
  const transB = options.transB === true;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) {
    throw new ShapeError(`matmul: operands must have rank >= 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, 'matmul', [a.shape, b.shape]);
  }
  const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const ka = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (ka !== kb) {
    throw new ShapeError(`matmul: inner dimensions must match, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, 'matmul', [a.shape, b.shape]);
  }
  const k = ka;
  const batchA = a.shape.slice(0, ra - 2);
  const batchB = b.shape.slice(0, rb - 2);
  let batch: number[];
  try {
    batch = broadcastShapes('matmul', batchA, batchB);
  } catch {
    throw new ShapeError(
      `matmul: batch dimensions must be broadcast-compatible, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      'matmul',
      [a.shape, b.shape],
    );
  }
  const outShape = [...batch, m, n];
  const out = new Float32Array(sizeOf(outShape));
  const nb = sizeOf(batch);
  if (out.length === 0) return new Tensor(out, outShape);
  if (!transA && sizeOf(batchB) === 1 && sizeOf(batchA) === nb) {
    // b shared over the batch: the batch folds into the rows of one big product.
    gemm(a.data, b.data, out, { m: nb * m, n, k, transB });
    return new Tensor(out, outShape);
  }
  const plan = planBroadcast(batch, [batchA, batchB]);
  const last = plan.dims.length - 1;
  const run = plan.dims[last]!;
  const sa = plan.strides[0]![last]!;
  const sb = plan.strides[1]![last]!;
  const matA = m * k, matB = k * n, matC = m * n;
  forEachRun(plan, (off, o) => {
    for (let i = 0; i < run; i++) {
      gemm(a.data, b.data, out, {
        m, n, k, transA, transB,
        aOffset: (off[0]! + i * sa) * matA,
        bOffset: (off[1]! + i * sb) * matB,
        cOffset: (o + i) * matC,
      });
    }
  });
  return new Tensor(out, outShape);
}
