/** Axis permutation: `permute` (any order) and `transpose` (swap two axes). */
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxis, stridesOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Output axis i is input axis `perm[i]` (NumPy `transpose(x, axes)`).
 * @throws ShapeError when `perm` is not a permutation of the axes
 */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.shape.length;
  const seen = new Array<boolean>(rank).fill(false);
  const axes = perm.map((p) => (Number.isInteger(p) && p >= -rank && p < rank ? (p < 0 ? p + rank : p) : -1));
  for (const p of axes) {
    if (p < 0 || seen[p]) break;
    seen[p] = true;
  }
  if (perm.length !== rank || seen.some((s) => !s)) {
    throw new ShapeError(`permute: perm must be a permutation of ${rank} axes for shape ${fmtShape(x.shape)}, got ${fmtShape(perm)}`, 'permute', [x.shape]);
  }
  const outShape = axes.map((p) => x.shape[p]!);
  const inStrides = stridesOf(x.shape);
  const out = new Float32Array(x.size);
  if (x.size === 0) return new Tensor(out, outShape);
  if (rank === 0) {
    out[0] = x.data[0]!;
    return new Tensor(out, outShape);
  }
  // Walk the output in order; the innermost output axis reads the input with stride `inner`.
  const st = axes.map((p) => inStrides[p]!);
  const innerLen = outShape[rank - 1]!;
  const inner = st[rank - 1]!;
  const counter = new Int32Array(rank);
  const d = x.data;
  let src = 0;
  for (let o = 0; o < out.length; o += innerLen) {
    for (let i = 0; i < innerLen; i++) out[o + i] = d[src + i * inner]!;
    for (let ax = rank - 2; ax >= 0; ax--) {
      counter[ax]!++;
      src += st[ax]!;
      if (counter[ax]! < outShape[ax]!) break;
      src -= st[ax]! * outShape[ax]!;
      counter[ax] = 0;
    }
  }
  return new Tensor(out, outShape);
}

/**
 * Swaps two axes (default: the last two).
 * @throws ShapeError when an axis is out of range
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const a0 = normalizeAxis('transpose', axis0, x.shape);
  const a1 = normalizeAxis('transpose', axis1, x.shape);
  const perm = x.shape.map((_, i) => i);
  perm[a0] = a1;
  perm[a1] = a0;
  return permute(x, perm);
}
