/**
 * NumPy-style broadcasting shared by every elementwise op: the output shape, and for each input an
 * index map (output flat index → input flat index) computed once at plan time, so kernels run a plain
 * loop with no per-element shape arithmetic.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { newIndex, stridesOf, type AllocContext } from './types.js';

/** The broadcast of several shapes. @throws ShapeError when two dims differ and neither is 1 */
export function broadcastShapes(where: string, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === out[o]) continue;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1) {
        throw new ShapeError(`${where}: shapes must be broadcastable, got ${shapes.map((x) => fmtShape(x)).join(' and ')}`, undefined, shapes);
      }
    }
  }
  return out;
}

/**
 * For every element of `outShape`, the flat index of the element of `inShape` it reads; the map is
 * reserved in the plan's budget first. @throws LimitError
 */
export function broadcastIndex(ctx: AllocContext, inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  // Stride 0 on broadcast (size-1 or missing) dims makes them repeat.
  const eff = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const o = rank - inShape.length + i;
    eff[o] = inShape[i] === 1 ? 0 : inStrides[i]!;
  }
  let total = 1;
  for (const d of outShape) total *= d;
  const idx = newIndex(ctx, total);
  const counter = new Array<number>(rank).fill(0);
  let cur = 0;
  for (let i = 0; i < total; i++) {
    idx[i] = cur;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      cur += eff[d]!;
      if (counter[d]! < outShape[d]!) break;
      cur -= eff[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return idx;
}

/** True when two shapes are identical. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
