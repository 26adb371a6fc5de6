/** Concat along `axis`: each input is copied as [outer, rows_i * inner] blocks (no views, no allocation). */
import { FormatError, ShapeError, fmtShape } from '../../errors.js';
import { sizeOf } from '../../tensor/index.js';
import { need, newValue, normAxis, type OpArgs, type OpPlan } from './types.js';

export function planConcat(args: OpArgs): OpPlan {
  const xs = args.inputs.map((_, i) => need(args, i, `input ${i}`));
  const first = xs[0];
  if (!first) throw new FormatError(`${args.where}: inputs must number at least 1, got 0`);
  const rank = first.shape.length;
  const axis = normAxis(args, args.attrs.int('axis', 0), rank);
  let total = 0;
  for (const x of xs) {
    const ok = x.dtype === first.dtype && x.shape.length === rank && x.shape.every((d, i) => i === axis || d === first.shape[i]);
    if (!ok) {
      throw new ShapeError(`${args.where}: inputs must match except on axis ${axis}, got ${xs.map((v) => `${v.dtype}${fmtShape(v.shape)}`).join(' and ')}`, 'Concat');
    }
    total += x.shape[axis]!;
  }
  const outShape = [...first.shape];
  outShape[axis] = total;
  const out = newValue(args, first.dtype, outShape);
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  const rowLen = total * inner;
  const o = out.data;
  const parts = xs.map((x) => ({ data: x.data, len: x.shape[axis]! * inner }));
  const run = (): void => {
    let offset = 0;
    for (const { data, len } of parts) {
      for (let p = 0; p < outer; p++) {
        const src = p * len;
        const dst = p * rowLen + offset;
        for (let i = 0; i < len; i++) o[dst + i] = data[src + i]!;
      }
      offset += len;
    }
  };
  return { outputs: [out], run };
}
