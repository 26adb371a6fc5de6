/** Numerically stable softmax and log-softmax along one axis (max subtracted before exp). */
import { normalizeAxis, splitAt } from './shape.js';
import { Tensor } from './tensor.js';

function softmaxImpl(op: string, x: Tensor, axis: number, logOut: boolean): Tensor {
  const ax = normalizeAxis(op, axis, x.shape);
  const { outer, len, inner } = splitAt(x.shape, ax);
  const d = x.data;
  const out = new Float32Array(x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let mx = -Infinity;
      for (let j = 0; j < len; j++) mx = Math.max(mx, d[base + j * inner]!);
      let s = 0;
      for (let j = 0; j < len; j++) s += Math.exp(d[base + j * inner]! - mx);
      if (logOut) {
        const lse = mx + Math.log(s);
        for (let j = 0; j < len; j++) out[base + j * inner] = d[base + j * inner]! - lse;
      } else {
        const inv = 1 / s;
        for (let j = 0; j < len; j++) out[base + j * inner] = Math.exp(d[base + j * inner]! - mx) * inv;
      }
    }
  }
  return new Tensor(out, x.shape);
}

/** `exp(x) / sum(exp(x))` along `axis` (default last). @throws ShapeError for a bad axis */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxImpl('softmax', x, axis, false);
}

/** `x - log(sum(exp(x)))` along `axis` (default last). @throws ShapeError for a bad axis */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxImpl('logSoftmax', x, axis, true);
}
