/**
 * The fused kernel behind dynamic quantization's linear layer, MatMulInteger → Cast(to FLOAT) →
 * Mul(scale) → Add(bias) (see ../fuse-quantized-linear.ts). It keeps every float32 rounding of the
 * unfused graph, in the same order:
 *   y = f32(f32(f32(int32 (A - a_zp)(B - b_zp)) * scale) + bias)
 * so its output is bit-identical; it only skips the int32 and float intermediates and the
 * broadcasting index maps of the elementwise ops. Under the wasm backend (chosen when the plan is
 * built) constant weights run on the int8 WebAssembly kernel, which is bit-identical too.
 */
import { ownedKernelBuffer, sizeOf, wasmActive } from '../../tensor/kernels.js';
import { int8Weights, wasmQuantizedLinear, type Int8Run } from '../../tensor/neural-kernels.js';
import { integerRow, shiftWeights, type IntegerRowArgs } from './quantize.js';
import { newScratch, newValue, type OpArgs, type OpPlan, type Value } from './types.js';

const f32 = Math.fround;

/**
 * Plans the fused kernel for inputs [A, B, a_zp?, b_zp?, scale, bias] when it applies: A [..., K]
 * and B [K, N] int8/uint8, scalar a_zp, b_zp and scale and bias float32 each either one value or one
 * per column N (broadcasting to no larger shape than A x B's).
 * @returns undefined when the inputs fall outside that case (the caller then plans the four ops)
 */
export function planQuantizedLinear(args: OpArgs): OpPlan | undefined {
  const [A, B, azp, bzp, scale, bias] = args.inputs;
  if (!A || !B || !scale || !bias || !isInt8(A) || !isInt8(B)) return undefined;
  if (A.shape.length < 2 || B.shape.length !== 2) return undefined;
  const [k, n] = B.shape as [number, number];
  const outShape = [...A.shape.slice(0, -1), n];
  const rank = outShape.length;
  if (A.shape[A.shape.length - 1] !== k || (azp && sizeOf(azp.shape) !== 1)) return undefined;
  if (bzp && !isPerColumn(bzp, n, 2)) return undefined;
  if (!isPerColumn(scale, n, rank) || !isPerColumn(bias, n, rank)) return undefined;
  if (scale.dtype !== 'float32' || bias.dtype !== 'float32') return undefined;

  const Y = newValue(args, 'float32', outShape);
  const bT = newScratch(args, k * n);
  const bzpData = bzp ? bzp.data : new Uint8Array(1);
  const bFixed = B.isConst && (!bzp || bzp.isConst);
  if (bFixed) shiftWeights(B.data, bzpData, { k, n }, bT);
  const acc = new Float64Array(n);
  const rows = sizeOf(A.shape.slice(0, -1));
  const weights = bFixed && wasmActive() ? int8Weights(Y, B.data, bzpData, k, n) : null;
  // The kernel addresses scale, bias and Y in the heap (there whenever int8Weights succeeded).
  const scaleCol = weights !== null ? ownedKernelBuffer(Y, n) : new Float32Array(n);
  const biasCol = weights !== null ? ownedKernelBuffer(Y, n) : new Float32Array(n);
  if (weights !== null) Y.data = ownedKernelBuffer(Y, Y.data.length);
  const y = Y.data;
  // The bias is an initializer in dynamic quantization's graphs: spread once here, not per run.
  const biasFixed = bias.isConst;
  if (biasFixed) spread(bias.data, biasCol);
  const job: Int8Run = { a: A.data as Uint8Array | Int8Array, rows, az: 0, scale: scaleCol, bias: biasCol, y: y as Float32Array };
  const at: IntegerRowArgs = { a: A.data, aOff: 0, az: 0, aShift: new Float64Array(k), bT, bOff: 0 };
  const run = (): void => {
    if (!bFixed) shiftWeights(B.data, bzpData, { k, n }, bT);
    spread(scale.data, scaleCol);
    if (!biasFixed) spread(bias.data, biasCol);
    at.az = job.az = azp ? azp.data[0]! : 0;
    if (weights !== null && wasmQuantizedLinear(weights, job)) return;
    for (let i = 0; i < rows; i++) {
      at.aOff = i * k;
      integerRow(at, acc);
      const o = i * n;
      // `| 0` is the int32 wrap of MatMulInteger's output; each f32 is one stored float32 tensor.
      for (let j = 0; j < n; j++) y[o + j] = f32(f32(acc[j]! | 0) * scaleCol[j]!) + biasCol[j]!;
    }
  };
  return { outputs: [Y], run };
}

function isInt8(v: Value): boolean {
  return v.dtype === 'int8' || v.dtype === 'uint8';
}

/** One value, or N values along the last axis with every other dim 1, in at most `rank` dims. */
function isPerColumn(v: Value, n: number, rank: number): boolean {
  const s = v.shape;
  if (s.length > rank) return false;
  for (let i = 0; i + 1 < s.length; i++) if (s[i] !== 1) return false;
  return s.length === 0 || s[s.length - 1] === 1 || s[s.length - 1] === n;
}

/**
 * Writes a one-value or per-column array into `out` [N]. A loop rather than `out.fill(v)`: a
 * float passed to a builtin is boxed on the heap (16 bytes a call, a per-tensor scale every run).
 */
function spread(src: ArrayLike<number>, out: Float32Array): void {
  const one = src.length === 1;
  for (let j = 0; j < out.length; j++) out[j] = src[one ? 0 : j]!;
}
