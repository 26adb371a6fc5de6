/**
 * Naive float64 forward implementations of the autograd primitives, written independently of
 * src/ (index arithmetic per element, no shared kernels), so gradcheck.test.ts can take central
 * finite differences in float64 of a function that does not go through the code under test.
 * Every function reads row-major data plus a shape and returns a new `F64`.
 */

export interface F64 {
  data: Float64Array;
  shape: number[];
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Element `flat` of `shape` (row-major) as its coordinates. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

/** NumPy broadcasting: align right, a dim of 1 stretches. */
export function broadcastShape(...shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) s.forEach((d, i) => { const j = rank - s.length + i; if (d !== 1) out[j] = d; });
  return out;
}

/** The element of `x` that broadcasts to output index `idx`. */
function read(x: F64, idx: readonly number[]): number {
  const st = stridesOf(x.shape);
  const off = idx.length - x.shape.length;
  let flat = 0;
  for (let i = 0; i < x.shape.length; i++) flat += (x.shape[i] === 1 ? 0 : idx[i + off]!) * st[i]!;
  return x.data[flat]!;
}

/** `f` applied elementwise over the broadcast of `xs`. */
export function zipWith(xs: readonly F64[], f: (v: number[]) => number): F64 {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  const data = new Float64Array(sizeOf(shape));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, shape);
    data[o] = f(xs.map((x) => read(x, idx)));
  }
  return { data, shape };
}

export const map = (x: F64, f: (v: number) => number): F64 => zipWith([x], ([v]) => f(v!));

/** Reduce along `axis` (or everything when null) with `f` from `init`. */
export function reduce(x: F64, opts: { axis: number | null; keepDims: boolean; init: number; f: (acc: number, v: number) => number }): F64 {
  const r = x.shape.length;
  const axes = opts.axis === null ? x.shape.map((_, i) => i) : [(opts.axis + r) % r];
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const data = new Float64Array(sizeOf(kept)).fill(opts.init);
  const st = stridesOf(kept);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    let o = 0;
    idx.forEach((v, a) => { if (!axes.includes(a)) o += v * st[a]!; });
    data[o] = opts.f(data[o]!, x.data[i]!);
  }
  return { data, shape: opts.keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i)) };
}

/** `a [..., m, k] · b [..., k, n]` with broadcast batch dims. */
export function matmulRef(a: F64, b: F64): F64 {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const data = new Float64Array(sizeOf(shape));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, shape);
    const bi = idx.slice(0, -2), i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
    let s = 0;
    for (let p = 0; p < k; p++) s += read(a, [...bi, i, p]) * read(b, [...bi, p, j]);
    data[o] = s;
  }
  return { data, shape };
}

/** `x [..., in] · w[out, in]^T + bias[out]`. */
export function linearRef(x: F64, w: F64, bias?: F64): F64 {
  const [out, inF] = w.shape as [number, number];
  const rows = x.data.length / inF;
  const data = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = bias ? bias.data[o]! : 0;
      for (let i = 0; i < inF; i++) s += x.data[r * inF + i]! * w.data[o * inF + i]!;
      data[r * out + o] = s;
    }
  }
  return { data, shape: [...x.shape.slice(0, -1), out] };
}

export function permuteRef(x: F64, perm: readonly number[]): F64 {
  const shape = perm.map((p) => x.shape[p]!);
  const st = stridesOf(x.shape);
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, shape);
    data[o] = x.data[idx.reduce((s, v, i) => s + v * st[perm[i]!]!, 0)]!;
  }
  return { data, shape };
}

export function concatRef(xs: readonly F64[], axis: number): F64 {
  const shape = xs[0]!.shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const data = new Float64Array(sizeOf(shape));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, shape);
    let t = 0;
    while (idx[axis]! >= xs[t]!.shape[axis]!) idx[axis] = idx[axis]! - xs[t++]!.shape[axis]!;
    data[o] = read(xs[t]!, idx);
  }
  return { data, shape };
}

/** Indices start, start + step, ... < end along `axis` (all in range). */
export function sliceRef(x: F64, o: { axis: number; start: number; end: number; step: number }): F64 {
  const shape = x.shape.slice();
  shape[o.axis] = Math.ceil((o.end - o.start) / o.step);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    idx[o.axis] = o.start + idx[o.axis]! * o.step;
    data[i] = read(x, idx);
  }
  return { data, shape };
}

/** softmax (or log-softmax) along `axis`, max-shifted. */
export function softmaxRef(x: F64, axis: number, log: boolean): F64 {
  const ax = (axis + x.shape.length) % x.shape.length;
  const mx = reduce(x, { axis: ax, keepDims: true, init: -Infinity, f: Math.max });
  const e = zipWith([x, mx], ([v, m]) => Math.exp(v! - m!));
  const z = reduce(e, { axis: ax, keepDims: true, init: 0, f: (a, v) => a + v });
  return log ? zipWith([x, mx, z], ([v, m, s]) => v! - m! - Math.log(s!)) : zipWith([e, z], ([v, s]) => v! / s!);
}

/** `(x - mean) / sqrt(var + eps) * w + b` over the last dim (biased variance). */
export function layerNormRef(x: F64, w: F64 | undefined, b: F64 | undefined, eps: number): F64 {
  const d = x.shape[x.shape.length - 1]!;
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / d; r++) {
    const row = x.data.subarray(r * d, (r + 1) * d);
    const mu = row.reduce((s, v) => s + v, 0) / d;
    const vr = row.reduce((s, v) => s + (v - mu) ** 2, 0) / d;
    for (let j = 0; j < d; j++) data[r * d + j] = ((row[j]! - mu) / Math.sqrt(vr + eps)) * (w ? w.data[j]! : 1) + (b ? b.data[j]! : 0);
  }
  return { data, shape: x.shape.slice() };
}

/** erf by its Maclaurin series; accurate to ~1e-15 for |x| <= 3 (the tests stay below 2). */
export function erf(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 80 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
