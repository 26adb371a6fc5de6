/**
 * The integer ops of onnxruntime's dynamic quantization: DynamicQuantizeLinear (uint8, all float32
 * arithmetic, round half to even, scale 1 when the range is empty) and MatMulInteger (exact int32
 * (A - a_zp) x (B - b_zp), b_zp scalar or per column). Follows ../shared/reference/README.md
 * "quant.json" and https://onnx.ai/onnx/operators/onnx__DynamicQuantizeLinear.html.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { roundHalfEven } from '../../tensor/index.js';
import { sizeOf } from '../../tensor/index.js';
import type { TensorData } from '../dtypes.js';
import { matmulLayout } from './matmul.js';
import { constValue, need, needDType, newScratch, newValue, type OpArgs, type OpPlan } from './types.js';

const f32 = Math.fround;

export function planDynamicQuantizeLinear(args: OpArgs): OpPlan {
  const x = need(args, 0, 'x');
  needDType(args, x, 'x', ['float32']);
  const y = newValue(args, 'uint8', x.shape);
  const scaleOut = newValue(args, 'float32', []);
  const zpOut = newValue(args, 'uint8', []);
  const xd = x.data;
  const yd = y.data;
  const sd = scaleOut.data;
  const zd = zpOut.data;
  const run = (): void => {
    let rmin = 0;
    let rmax = 0;
    for (let i = 0; i < xd.length; i++) {
      const v = xd[i]!;
      if (v < rmin) rmin = v;
      if (v > rmax) rmax = v;
    }
    const scale = rmax === rmin ? 1 : f32(f32(rmax - rmin) / 255);
    const zp = roundHalfEven(Math.min(Math.max(f32(0 - f32(rmin / scale)), 0), 255));
    for (let i = 0; i < xd.length; i++) {
      const q = roundHalfEven(f32(xd[i]! / scale)) + zp;
      yd[i] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
    sd[0] = scale;
    zd[0] = zp;
  };
  return { outputs: [y, scaleOut, zpOut], run };
}

export function planMatMulInteger(args: OpArgs): OpPlan {
  const A = need(args, 0, 'A');
  const B = need(args, 1, 'B');
  needDType(args, A, 'A', ['uint8', 'int8']);
  needDType(args, B, 'B', ['uint8', 'int8']);
  const L = matmulLayout(args, A.shape, B.shape);
  const { m, n, k } = L;
  const azp = args.inputs[2] ?? constValue('uint8', [], new Uint8Array(1));
  const bzp = args.inputs[3] ?? constValue('uint8', [], new Uint8Array(1));
  if (sizeOf(azp.shape) !== 1) {
    throw new ShapeError(`${args.where}: a_zero_point must be a scalar, got shape ${fmtShape(azp.shape)}`, 'MatMulInteger');
  }
  const bzpCount = sizeOf(bzp.shape);
  if (bzpCount !== 1 && (bzpCount !== n || B.shape.length > 2)) {
    throw new ShapeError(`${args.where}: b_zero_point must be a scalar or hold one value per column (${n}), got shape ${fmtShape(bzp.shape)}`, 'MatMulInteger');
  }
  const Y = newValue(args, 'int32', L.outShape);
  const y = Y.data;
  // (B - b_zp), transposed to [..., N, K], is computed once here when both are initializers (the
  // usual quantized weight); otherwise at every run.
  const bT = newScratch(args, B.data.length);
  const bFixed = B.isConst && bzp.isConst;
  const layout = { k, n };
  if (bFixed) shiftWeights(B.data, bzp.data, layout, bT);
  const row = new Float64Array(n);
  const batches = L.aOffsets.length;
  const at: IntegerRowArgs = { a: A.data, aOff: 0, az: 0, aShift: new Float64Array(k), bT, bOff: 0 };
  const run = (): void => {
    if (!bFixed) shiftWeights(B.data, bzp.data, layout, bT);
    at.az = azp.data[0]!;
    for (let t = 0; t < batches; t++) {
      at.bOff = L.bOffsets[t]!;
      for (let i = 0; i < m; i++) {
        at.aOff = L.aOffsets[t]! + i * k;
        integerRow(at, row);
        const yOff = (t * m + i) * n;
        for (let j = 0; j < n; j++) y[yOff + j] = row[j]!;
      }
    }
  };
  return { outputs: [Y], run };
}

/**
 * out = (B - b_zp) with each [K, N] matrix of B [..., K, N] stored transposed as [N, K], so a row of
 * the product is N contiguous dot products. b_zp is a scalar or one value per column (N).
 */
export function shiftWeights(b: TensorData, bzp: TensorData, { k, n }: { k: number; n: number }, out: Float64Array): void {
  const perColumn = bzp.length !== 1;
  for (let r0 = 0; r0 < b.length; r0 += k * n) {
    for (let p = 0; p < k; p++) {
      const src = r0 + p * n;
      for (let j = 0; j < n; j++) out[r0 + j * k + p] = b[src + j]! - bzp[perColumn ? j : 0]!;
    }
  }
}

/** One row of A against shifted B (see {@link shiftWeights}); `aShift` is [K] scratch. */
export interface IntegerRowArgs {
  a: TensorData;
  aOff: number;
  az: number;
  aShift: Float64Array;
  bT: Float64Array;
  bOff: number;
}

/**
 * acc[j] = sum_p (a[aOff + p] - az) * bT[bOff + j*K + p] for j < N = acc.length. Exact: every term is
 * below 2^16 in magnitude, so the float64 sums stay integers far past any real K.
 */
export function integerRow({ a, aOff, az, aShift, bT, bOff }: IntegerRowArgs, acc: Float64Array): void {
  const k = aShift.length;
  const n = acc.length;
  for (let p = 0; p < k; p++) aShift[p] = a[aOff + p]! - az;
  let j = 0;
  // Four dot products per pass over the row keep their sums in registers.
  for (; j + 4 <= n; j += 4) {
    const r0 = bOff + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = 0; p < k; p++) {
      const x = aShift[p]!;
      s0 += x * bT[r0 + p]!; s1 += x * bT[r1 + p]!; s2 += x * bT[r2 + p]!; s3 += x * bT[r3 + p]!;
    }
    acc[j] = s0; acc[j + 1] = s1; acc[j + 2] = s2; acc[j + 3] = s3;
  }
  for (; j < n; j++) {
    const r = bOff + j * k;
    let s = 0;
    for (let p = 0; p < k; p++) s += aShift[p]! * bT[r + p]!;
    acc[j] = s;
  }
}
