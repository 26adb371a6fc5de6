/**
 * The one broadcasting template (NumPy rules: align trailing dimensions; a dimension of 1
 * stretches). Iteration is planned once per call: dimensions are padded to the output rank,
 * broadcast dimensions get stride 0, and adjacent dimensions that are contiguous for every operand
 * are merged, so the common cases (same shape, scalar, row vector) become one or a few long runs
 * and the per-element loop lives in the op's run kernel.
 */
import { ShapeError, fmtShape } from '../errors.js';

/**
 * The broadcast shape of `shapes`.
 * @throws ShapeError `"<op>: shapes must be broadcast-compatible, got [2,3] and [4]"`
 */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const pad = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[pad + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[pad + i] = d;
      else {
        throw new ShapeError(`${op}: shapes must be broadcast-compatible, got ${shapes.map(fmtShape).join(' and ')}`, op, shapes);
      }
    }
  }
  return out;
}

/** A coalesced iteration plan over an output shape for several broadcast operands. */
export interface BroadcastPlan {
  /** Merged output dimensions; the last one is the run length. Never empty. */
  dims: number[];
  /** Per operand, its element stride along each merged dimension (0 where broadcast). */
  strides: number[][];
}

/** Plans iteration of `outShape` reading each of `inShapes` (which must broadcast to it). */
export function planBroadcast(outShape: readonly number[], inShapes: readonly (readonly number[])[]): BroadcastPlan {
  const rank = outShape.length;
  const raw = inShapes.map((s) => {
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      const d = s[i]!;
      st[rank - s.length + i] = d === 1 ? 0 : acc;
      acc *= d;
    }
    return st;
  });
  const dims: number[] = [];
  const strides: number[][] = inShapes.map(() => []);
  for (let i = 0; i < rank; i++) {
    const d = outShape[i]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    // Merge dimension i into the previous one when every operand steps through it contiguously.
    const mergeable = last >= 0 && raw.every((st, k) => strides[k]![last] === st[i]! * d);
    if (mergeable) {
      dims[last] = dims[last]! * d;
      raw.forEach((st, k) => (strides[k]![last] = st[i]!));
    } else {
      dims.push(d);
      raw.forEach((st, k) => strides[k]!.push(st[i]!));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { dims, strides };
}

/**
 * Calls `visit(offsets, outOffset)` once per run (last merged dimension) with each operand's
 * starting offset; a run has `dims[dims.length - 1]` elements, operand k stepping by its last stride.
 * `offsets` is reused between calls.
 */
export function forEachRun(plan: BroadcastPlan, visit: (offsets: Int32Array, outOffset: number) => void): void {
  const { dims, strides } = plan;
  const outer = dims.length - 1;
  const nIn = strides.length;
  const runLen = dims[outer]!;
  const offsets = new Int32Array(nIn);
  const counter = new Int32Array(outer);
  let total = 1;
  for (let i = 0; i < outer; i++) total *= dims[i]!;
  for (let r = 0; r < total; r++) {
    visit(offsets, r * runLen);
    // Odometer increment over the outer dimensions.
    for (let d = outer - 1; d >= 0; d--) {
      counter[d]!++;
      for (let k = 0; k < nIn; k++) offsets[k]! += strides[k]![d]!;
      if (counter[d]! < dims[d]!) break;
      for (let k = 0; k < nIn; k++) offsets[k]! -= strides[k]![d]! * dims[d]!;
      counter[d] = 0;
    }
  }
}

/**
 * For every element of `outShape` (row-major), the flat index `sum_d counter[d] * steps[d]` it reads:
 * the gather map of a broadcast (steps = the input's strides, 0 on stretched dims), of an axis
 * permutation (permuted strides) or of a reduction's output slots. Computed once (e.g. at plan time)
 * so that run kernels are plain indexed loops.
 */
export function stridedIndex(outShape: readonly number[], steps: readonly number[]): Int32Array {
  const rank = outShape.length;
  let total = 1;
  for (const d of outShape) total *= d;
  const idx = new Int32Array(total);
  if (rank === 0 || total === 0) return idx;
  // The last axis as one run per row: at plan time these loops run in the interpreter, where one add
  // per element costs less than stepping the counters (the W7 transformer's 22 maps: 0.68 -> 0.52 ms).
  const inner = outShape[rank - 1]!;
  const step = steps[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let cur = 0;
  for (let i = 0; i < total; i += inner) {
    for (let j = 0, at = cur; j < inner; j++, at += step) idx[i + j] = at;
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      cur += steps[d]!;
      if (counter[d]! < outShape[d]!) break;
      cur -= steps[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return idx;
}

/** The gather map of a broadcast: for every element of `outShape`, the flat index of the element of `inShape` it reads. */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const steps = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    // Stride 0 on broadcast (size-1 or missing) dims makes them repeat.
    steps[rank - inShape.length + i] = inShape[i] === 1 ? 0 : acc;
    acc *= inShape[i]!;
  }
  return stridedIndex(outShape, steps);
}
