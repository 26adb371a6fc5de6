import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { quantizeWeights, quantRange } from '../../src/quant/index.js';
import { readJson, type JsonTensor } from './quant-fixtures.js';
import { expectError } from '../tensor/expect-error.js';

interface WeightCase {
  id: string;
  W: JsonTensor;
  per_tensor: { scale: number; zero_point: number; q: JsonTensor };
  per_channel_axis1: { axis: number; scale: number[]; zero_point: number[]; q: JsonTensor };
}
const cases = readJson<{ weight_quant_symmetric_int8: WeightCase[] }>('quant.json').weight_quant_symmetric_int8;

/**
 * Independent transcription of onnxruntime's quantize_data for one group of values (numpy semantics:
 * float32 extremes, float64 scale and zero point, float32 division, numpy.round = half to even).
 */
function naiveQuantize(values: number[], type: 'int8' | 'uint8', symmetric: boolean, reduceRange: boolean) {
  const [qmin, qmax] = reduceRange
    ? type === 'int8' ? [-64, 64] : [0, 127]
    : symmetric ? (type === 'int8' ? [-127, 127] : [0, 254]) : type === 'int8' ? [-128, 127] : [0, 255];
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (symmetric) {
    hi = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -hi;
  }
  const halfEven = (v: number) => {
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r; // Math.round sends .5 up; pull odd results back
  };
  let scale64 = Math.fround(hi - lo) / (qmax! - qmin!);
  let zp = 0;
  if (scale64 < 2 ** -126) scale64 = 1;
  else zp = symmetric ? halfEven((qmin! + qmax!) / 2) : halfEven(qmin! - lo / scale64);
  const scale = Math.fround(scale64);
  zp += 0; // -0 -> +0
  const [tmin, tmax] = type === 'int8' ? [-128, 127] : [0, 255];
  const q = values.map((w) => Math.min(tmax!, Math.max(tmin!, halfEven(Math.fround(w / scale)) + zp)));
  return { scale, zp, q };
}

function column(data: ArrayLike<number>, [K, N]: number[], j: number): number[] {
  return Array.from({ length: K! }, (_, k) => data[k * N! + j]!);
}

describe('quantizeWeights: quant.json weight_quant_symmetric_int8', () => {
  for (const c of cases) {
    it(`${c.id}: per-tensor scale, zero point and q are exact`, () => {
      const r = quantizeWeights(Float32Array.from(c.W.data), c.W.shape);
      expect(r.scale.length).toBe(1);
      expect(r.scale[0]).toBe(c.per_tensor.scale);
      expect(r.zeroPoint[0]).toBe(c.per_tensor.zero_point);
      expect(r.q).toBeInstanceOf(Int8Array);
      expect(Array.from(r.q)).toEqual(c.per_tensor.q.data);
      expect(r.axis).toBeNull();
    });

    it(`${c.id}: per-channel (axis 1) scales, zero points and q are exact`, () => {
      const r = quantizeWeights(Float32Array.from(c.W.data), c.W.shape, { perChannel: true });
      expect(Array.from(r.scale)).toEqual(c.per_channel_axis1.scale);
      expect(Array.from(r.zeroPoint)).toEqual(c.per_channel_axis1.zero_point);
      expect(Array.from(r.q)).toEqual(c.per_channel_axis1.q.data);
      expect(r.axis).toBe(1);
    });
  }
});

describe('quantizeWeights: uint8, asymmetric and reduce-range variants', () => {
  const variants = [
    { weightType: 'uint8', symmetric: false, reduceRange: false },
    { weightType: 'uint8', symmetric: true, reduceRange: false },
    { weightType: 'int8', symmetric: false, reduceRange: false },
    { weightType: 'int8', symmetric: true, reduceRange: true },
    { weightType: 'uint8', symmetric: false, reduceRange: true },
    { weightType: 'uint8', symmetric: true, reduceRange: true },
  ] as const;
  for (const v of variants) {
    it(`${JSON.stringify(v)} matches a naive transcription of onnxruntime on every quant.json W`, () => {
      for (const c of cases) {
        const W = Float32Array.from(c.W.data);
        const pt = quantizeWeights(W, c.W.shape, v);
        const ref = naiveQuantize(c.W.data, v.weightType, v.symmetric, v.reduceRange);
        expect(pt.q).toBeInstanceOf(v.weightType === 'int8' ? Int8Array : Uint8Array);
        expect([pt.scale[0], pt.zeroPoint[0]]).toEqual([ref.scale, ref.zp]);
        expect(Array.from(pt.q)).toEqual(ref.q);
        const pc = quantizeWeights(W, c.W.shape, { ...v, perChannel: true });
        for (let j = 0; j < c.W.shape[1]!; j++) {
          const refCol = naiveQuantize(column(c.W.data, c.W.shape, j), v.weightType, v.symmetric, v.reduceRange);
          expect([pc.scale[j], pc.zeroPoint[j]]).toEqual([refCol.scale, refCol.zp]);
          expect(column(pc.q, c.W.shape, j)).toEqual(refCol.q);
        }
      }
    });
  }

  it('defaults uint8 to asymmetric (onnxruntime WeightSymmetric default)', () => {
    const r = quantizeWeights(Float32Array.of(0.5, 1, 2, 3), [2, 2], { weightType: 'uint8' });
    expect(r.zeroPoint[0]).toBe(0);
    expect(r.scale[0]).toBe(Math.fround(3 / 255));
  });

  it('per-channel along axis 0 quantizes each row like a per-tensor call on that row', () => {
    const W = Float32Array.of(1, -2, 0.5, 0.25, 0.125, -0.0625);
    const r = quantizeWeights(W, [2, 3], { perChannel: true, axis: 0 });
    for (let i = 0; i < 2; i++) {
      const row = quantizeWeights(W.subarray(3 * i, 3 * i + 3), [1, 3]);
      expect(r.scale[i]).toBe(row.scale[0]);
      expect(Array.from(r.q.subarray(3 * i, 3 * i + 3))).toEqual(Array.from(row.q));
    }
    expect(r.axis).toBe(0);
  });
});

describe('quantizeWeights: properties', () => {
  const matrix = fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
    .chain(([K, N]) =>
      fc.tuple(fc.constant([K, N]), fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: K * N, maxLength: K * N })),
    );

  it('symmetric int8: q in [-127, 127], zero point 0, |w - scale*q| <= scale/2', () => {
    fc.assert(
      fc.property(matrix, fc.boolean(), ([shape, values], perChannel) => {
        const r = quantizeWeights(Float32Array.from(values), shape, { perChannel });
        const N = shape[1]!;
        for (let i = 0; i < values.length; i++) {
          const g = perChannel ? i % N : 0;
          expect(Math.abs(r.q[i]!)).toBeLessThanOrEqual(127);
          expect(r.zeroPoint[g]).toBe(0);
          if (r.scale[g] !== 1) expect(Math.abs(values[i]! - r.scale[g]! * r.q[i]!)).toBeLessThanOrEqual(r.scale[g]! * 0.5001);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  // Rounding the zero point (uint8 reduce-range symmetric: 63.5 -> 64) or each side of the range separately
  // (asymmetric) can put one value a step past qmax; onnxruntime only clips to the storage type, and so do we.
  it('every variant stays inside its onnxruntime range, give or take one rounding step', () => {
    fc.assert(
      fc.property(matrix, fc.constantFrom('int8' as const, 'uint8' as const), fc.boolean(), fc.boolean(), ([shape, values], weightType, symmetric, reduceRange) => {
        const r = quantizeWeights(Float32Array.from(values), shape, { weightType, symmetric, reduceRange });
        const { qmin, qmax } = quantRange(weightType, symmetric, reduceRange);
        const slack = symmetric && weightType === 'int8' ? 0 : 1;
        for (const q of r.q) {
          expect(q).toBeGreaterThanOrEqual(qmin - slack);
          expect(q).toBeLessThanOrEqual(qmax + slack);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('does not modify its input', () => {
    const W = Float32Array.of(0.3, -0.7, 1.1, 0);
    const copy = Float32Array.from(W);
    quantizeWeights(W, [2, 2], { perChannel: true, weightType: 'uint8' });
    expect(W).toEqual(copy);
  });
});

describe('quantizeWeights: errors', () => {
  it('throws ShapeError when the shape is not 2-D', () => {
    expectError(() => quantizeWeights(new Float32Array(6), [6]), ShapeError, /quantizeWeights: shape must be \[K, N\].*got \[6\]/);
  });

  it('throws ShapeError when W.length does not match the shape', () => {
    expectError(() => quantizeWeights(new Float32Array(5), [2, 3]), ShapeError, /W.length must equal K\*N for shape \[2,3\], got 5/);
  });

  it('throws InvalidOptionError for a bad axis or weightType', () => {
    const W = new Float32Array(4);
    expectError(() => quantizeWeights(W, [2, 2], { perChannel: true, axis: 2 }), InvalidOptionError, /axis must be 0, 1, -1 or -2.*got 2/);
    const bad = { weightType: 'int4' } as unknown as { weightType: 'int8' };
    expectError(() => quantizeWeights(W, [2, 2], bad), InvalidOptionError, /weightType must be 'int8' or 'uint8', got 'int4'/);
  });

  it('throws DataError for a non-finite weight', () => {
    expectError(() => quantizeWeights(Float32Array.of(1, NaN), [1, 2]), DataError, /^quantizeWeights: weights must be finite, got NaN at index 1$/);
    expectError(() => quantizeWeights(Float32Array.of(1, Infinity), [1, 2]), DataError, /weights must be finite, got Infinity at index 1/);
  });
});
