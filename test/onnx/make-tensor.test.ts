import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { makeTensor, onnx, toNumber } from '../../src/onnx/index.js';
import { expectError } from '../tensor/expect-error.js';

const DT = onnx.DataType;

/** Round-trips a tensor through protobuf bytes, as a reader would see it. */
function roundTrip(t: onnx.TensorProto): onnx.TensorProto {
  return onnx.decodeMessage(onnx.TENSOR_PROTO, onnx.encodeMessage(onnx.TENSOR_PROTO, t));
}

describe('makeTensor', () => {
  it('stores float32 values as little-endian raw_data (checked with Buffer.writeFloatLE)', () => {
    const values = [1.5, -0.1, 3e38, 0, -0, 1e-40];
    const t = roundTrip(makeTensor({ name: 'w', dataType: 'float32', dims: [2, 3], values }));
    const ref = Buffer.alloc(24);
    values.forEach((v, i) => ref.writeFloatLE(v, i * 4));
    expect(t.dataType).toBe(DT.FLOAT);
    expect(t.dims!.map((d) => toNumber(d))).toEqual([2, 3]);
    expect(Buffer.from(t.rawData!).equals(ref)).toBe(true);
    expect(t.floatData).toBeUndefined();
    expect(t.name).toBe('w');
  });

  it('float32 raw bytes decode back to Math.fround of every value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }).chain((dims) => {
          const n = dims.reduce((a, b) => a * b, 1);
          return fc.tuple(fc.constant(dims), fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }));
        }),
        ([dims, values]) => {
          const t = roundTrip(makeTensor({ name: 'x', dataType: 'float32', dims, values }));
          const bytes = t.rawData ?? new Uint8Array(0);
          expect(bytes!.length).toBe(values.length * 4);
          const view = new DataView(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength);
          for (let i = 0; i < values.length; i++) expect(Object.is(view.getFloat32(i * 4, true), Math.fround(values[i]!))).toBe(true);
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('stores int64 numbers and bigints as raw little-endian int64, including the extremes', () => {
    const values = [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)];
    const t = roundTrip(makeTensor({ name: 'i', dataType: 'int64', dims: [4], values }));
    const view = new DataView(t.rawData!.buffer, t.rawData!.byteOffset, t.rawData!.byteLength);
    expect([0, 1, 2, 3].map((i) => view.getBigInt64(i * 8, true))).toEqual(values);
    const small = roundTrip(makeTensor({ name: 's', dataType: 'int64', dims: [2], values: [-5, 7] }));
    expect(Array.from(small.rawData!)).toEqual([251, 255, 255, 255, 255, 255, 255, 255, 7, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('stores int8/uint8/int32/bool values in raw_data with their sizes', () => {
    expect(Array.from(makeTensor({ name: 'a', dataType: 'int8', dims: [3], values: [-128, 0, 127] }).rawData!)).toEqual([128, 0, 127]);
    expect(Array.from(makeTensor({ name: 'b', dataType: 'uint8', dims: [2], values: Uint8Array.of(0, 255) }).rawData!)).toEqual([0, 255]);
    expect(Array.from(makeTensor({ name: 'c', dataType: 'int32', dims: [1], values: [-2] }).rawData!)).toEqual([254, 255, 255, 255]);
    expect(Array.from(makeTensor({ name: 'd', dataType: 'bool', dims: [3], values: [true, false, true] }).rawData!)).toEqual([1, 0, 1]);
  });

  it('writes a scalar (dims []) with one value, and a 0-element tensor with no data', () => {
    const s = roundTrip(makeTensor({ name: 's', dataType: 'float64', dims: [], values: [2.5] }));
    expect(s.dims ?? []).toEqual([]);
    expect(new DataView(s.rawData!.buffer, s.rawData!.byteOffset).getFloat64(0, true)).toBe(2.5);
    const e = roundTrip(makeTensor({ name: 'e', dataType: 'float32', dims: [0, 64], values: [] }));
    expect(e.rawData).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(e, 'rawData')).toBe(false);
  });

  it('stores strings as UTF-8 in string_data', () => {
    const t = roundTrip(makeTensor({ name: 'labels', dataType: 'string', dims: [2], values: ['a', 'é'] }));
    expect(t.stringData!.map((b) => Buffer.from(b).toString('utf8'))).toEqual(['a', 'é']);
    expect(t.rawData).toBeUndefined();
  });

  it('accepts rawData of the right length and copies it', () => {
    const raw = new Uint8Array([1, 2, 3, 4]);
    const t = makeTensor({ name: 'h', dataType: 'float16', dims: [2], rawData: raw });
    raw[0] = 9;
    expect(Array.from(t.rawData!)).toEqual([1, 2, 3, 4]);
    expect(t.dataType).toBe(DT.FLOAT16);
  });

  it('sets docString only when given', () => {
    expect(Object.prototype.hasOwnProperty.call(makeTensor({ name: 'a', dataType: 'int8', dims: [1], values: [1] }), 'docString')).toBe(false);
    expect(makeTensor({ name: 'a', dataType: 'int8', dims: [1], values: [1], docString: 'doc' }).docString).toBe('doc');
  });

  it('throws ShapeError when the number of values or raw bytes does not match dims', () => {
    expectError(
      () => makeTensor({ name: 'w', dataType: 'float32', dims: [2, 3], values: [1, 2, 3, 4, 5] }),
      ShapeError,
      /makeTensor 'w': number of values must equal prod\(dims\) = 6 for dims \[2,3\], got 5/,
    );
    expectError(() => makeTensor({ name: 'r', dataType: 'int32', dims: [2], rawData: new Uint8Array(7) }), ShapeError, /^makeTensor 'r': rawData length must be prod\(dims\) \* 4 = 8 bytes for dims \[2\], got 7$/);
  });

  it('throws DataError for values that do not fit the data type', () => {
    expectError(() => makeTensor({ name: 'q', dataType: 'int8', dims: [2], values: [1, 128] }), DataError, /value 1 must be an integer in \[-128, 127\] for int8, got 128/);
    expectError(() => makeTensor({ name: 'q', dataType: 'uint8', dims: [1], values: [0.5] }), DataError, /^makeTensor 'q': value 0 must be an integer in \[0, 255\] for uint8, got 0\.5$/);
    expectError(() => makeTensor({ name: 'q', dataType: 'int64', dims: [1], values: [2 ** 60] }), DataError, /^makeTensor 'q': value 0 must be a bigint or a safe integer, got 1152921504606847000$/);
    expectError(() => makeTensor({ name: 'q', dataType: 'int64', dims: [1], values: [2n ** 63n] }), DataError, /^makeTensor 'q': value 0 must fit int64, got 9223372036854775808$/);
    expectError(() => makeTensor({ name: 'q', dataType: 'bool', dims: [1], values: [2] }), DataError, /^makeTensor 'q': value 0 must be a boolean or 0\/1, got 2$/);
    expectError(() => makeTensor({ name: 'q', dataType: 'string', dims: [1], values: [1] }), DataError, /^makeTensor 'q': value 0 must be a string, got number$/);
  });

  it('throws InvalidOptionError for bad options', () => {
    const bad = { name: 'x', dataType: 'float32', dims: [1] } as const;
    expectError(() => makeTensor(bad), InvalidOptionError, /exactly one of values and rawData must be given, got neither/);
    expectError(() => makeTensor({ ...bad, values: [1], rawData: new Uint8Array(4) }), InvalidOptionError, /^makeTensor 'x': exactly one of values and rawData must be given, got both$/);
    expectError(() => makeTensor({ ...bad, dims: [-1], values: [] }), InvalidOptionError, /^makeTensor 'x': dims must be non-negative integers, got \[-1\]$/);
    expectError(() => makeTensor({ ...bad, dataType: 'float8' as 'float32', values: [1] }), InvalidOptionError, /^makeTensor 'x': data type must be one of .*, got 'float8'$/);
    expectError(() => makeTensor({ ...bad, dataType: 'float16', values: [1] }), InvalidOptionError, /^makeTensor 'x': float16 data must be given as rawData, got values$/);
    expectError(() => makeTensor({ ...bad, dataType: 'string', rawData: new Uint8Array(1) }), InvalidOptionError, /^makeTensor 'x': rawData must not be used for data type 'string', got 1 bytes$/);
  });
});
