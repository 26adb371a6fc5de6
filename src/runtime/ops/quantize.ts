/**
 * The integer ops of onnxruntime's dynamic quantization: DynamicQuantizeLinear (uint8, all float32
 * arithmetic, round half to even, scale 1 when the range is empty) and MatMulInteger (exact int32
 * (A - a_zp) x (B - b_zp), b_zp scalar or per column). Follows ../shared/reference/README.md
 * "quant.json" and https://onnx.ai/onnx/operators/onnx__DynamicQuantizeLinear.html.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { sizeOf } from '../dtypes.js';
import { matmulLayout } from './matmul.js';
import { constValue, need, needDType, newValue, type OpArgs, type OpPlan } from './types.js';

const f32 = Math.fround;

/** Round half to even (banker's rounding), as numpy.rint and onnxruntime do. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function planDynamicQuantizeLinear(args: OpArgs): OpPlan {
  const x = need(args, 0, 'x');
  needDType(args, x, 'x', ['float32']);
  const y = newValue('uint8', x.shape);
  const scaleOut = newValue('float32', []);
  const zpOut = newValue('uint8', []);
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
  const Y = newValue('int32', L.outShape);
  const a = A.data;
  const b = B.data;
  const y = Y.data;
  const bShift = new Float64Array(B.data.length);
  const row = new Float64Array(n);
  const batches = L.aOffsets.length;
  const run = (): void => {
    const az = azp.data[0]!;
    for (let i = 0; i < b.length; i++) bShift[i] = b[i]! - bzp.data[bzpCount === 1 ? 0 : i % n]!;
    for (let t = 0; t < batches; t++) {
      const aOff = L.aOffsets[t]!;
      const bOff = L.bOffsets[t]!;
      for (let i = 0; i < m; i++) {
        row.fill(0);
        for (let p = 0; p < k; p++) {
          const av = a[aOff + i * k + p]! - az;
          if (av === 0) continue;
          const bRow = bOff + p * n;
          for (let j = 0; j < n; j++) row[j]! += av * bShift[bRow + j]!;
        }
        const yOff = (t * m + i) * n;
        for (let j = 0; j < n; j++) y[yOff + j] = row[j]!;
      }
    }
  };
  return { outputs: [Y], run };
}
