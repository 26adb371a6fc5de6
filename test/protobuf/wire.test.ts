import { describe, expect, it } from 'vitest';

import { FormatError } from '../../src/errors.js';
import { ATTRIBUTE_PROTO, decodeMessage, encodeMessage, GRAPH_PROTO, OPERATOR_SET_ID, TENSOR_PROTO, TENSOR_SHAPE_DIMENSION, type GraphProto, type OperatorSetIdProto } from '../../src/protobuf/index.js';
import { expectError } from '../tensor/expect-error.js';
import { decodeWithProtobufjs, encodeWithProtobufjs, untyped } from './onnx-proto-reference.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
/** OperatorSetIdProto.version (field 2, varint) holding the given varint bytes. */
const version = (...varint: number[]) => bytes(0x10, ...varint);

describe('varints', () => {
  it('follow the protobuf encoding guide: 150 is 96 01, int64 -1 is nine ff then 01', () => {
    expect(encodeMessage(OPERATOR_SET_ID, { version: 150 })).toEqual(version(0x96, 0x01));
    expect(encodeMessage(OPERATOR_SET_ID, { version: -1 })).toEqual(version(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
  });

  const int64s = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 7, 2 ** 53 - 1, -1, -128, -(2 ** 31), -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53 - 1)];
  it.each(int64s)('int64 %d: same bytes as protobufjs, and back', (v) => {
    const mine = encodeMessage(OPERATOR_SET_ID, { version: v });
    expect(mine).toEqual(encodeWithProtobufjs(OPERATOR_SET_ID, { version: v }));
    expect(decodeMessage(OPERATOR_SET_ID, mine)).toEqual({ version: v });
    expect(decodeWithProtobufjs(OPERATOR_SET_ID, mine)).toEqual({ version: v });
  });

  it('int32 fields sign-extend negative values to 10 bytes and read them back', () => {
    const mine = encodeMessage(TENSOR_PROTO, { dataType: -5, int32Data: [-(2 ** 31), 2 ** 31 - 1, -1] });
    expect(mine).toEqual(encodeWithProtobufjs(TENSOR_PROTO, { dataType: -5, int32Data: [-(2 ** 31), 2 ** 31 - 1, -1] }));
    expect(decodeMessage(TENSOR_PROTO, mine)).toEqual({ dataType: -5, int32Data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, -1) });
  });

  it('uint64 fields read values above 2^32 and refuse values above 2^53 - 1', () => {
    const t = { uint64Data: [0, 2 ** 32 + 5, 2 ** 53 - 1] };
    expect(untyped(decodeMessage(TENSOR_PROTO, encodeWithProtobufjs(TENSOR_PROTO, t)))).toEqual(t);
    // uint64Data (field 11) packed: one varint 2^53 = 80 80 80 80 80 80 80 10.
    expectError(() => decodeMessage(TENSOR_PROTO, bytes(0x5a, 8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10)), FormatError, /^protobuf: TensorProto\.uint64Data at byte 2: uint64 value must be a safe integer \(v < 2\^53\), got 9007199254740992$/);
  });
});

describe('int64 data values (attribute ints, int64_data)', () => {
  // INT64_MAX and INT64_MIN as protobufjs writes them (from Long halves), e.g. Slice-1's `ends`.
  const sentinels = { name: 'ends', type: 7, ints: [{ low: -1, high: 0x7fffffff }, { low: 0, high: -0x80000000 }, 5] };

  it('read INT64_MAX / INT64_MIN as the nearest doubles ±2^63 and write them back as the same bytes', () => {
    const bytes = encodeWithProtobufjs(ATTRIBUTE_PROTO, sentinels);
    const decoded = decodeMessage(ATTRIBUTE_PROTO, bytes);
    expect(decoded).toEqual({ name: 'ends', type: 7, ints: Float64Array.of(2 ** 63, -(2 ** 63), 5) });
    expect(encodeMessage(ATTRIBUTE_PROTO, decoded)).toEqual(bytes);
  });

  it('saturate doubles beyond the int64 range when written; sizes and versions still refuse them', () => {
    expect(decodeMessage(ATTRIBUTE_PROTO, encodeMessage(ATTRIBUTE_PROTO, { i: 1e300 }))).toEqual({ i: 2 ** 63 });
    expect(decodeMessage(ATTRIBUTE_PROTO, encodeMessage(ATTRIBUTE_PROTO, { i: -1e300 }))).toEqual({ i: -(2 ** 63) });
    expectError(() => decodeMessage(TENSOR_PROTO, encodeWithProtobufjs(TENSOR_PROTO, { dims: [{ low: -1, high: 0x7fffffff }] })), FormatError, /^protobuf: TensorProto\.dims at byte 2: int64 value must be a safe integer \(\|v\| < 2\^53\), got 9223372036854775807$/);
    expectError(() => encodeMessage(ATTRIBUTE_PROTO, { i: 0.5 }), FormatError, /^protobuf: AttributeProto\.i must be an integer, got 0\.5$/);
  });
});

describe('hostile bytes give a FormatError', () => {
  it('a truncated varint', () => {
    expectError(() => decodeMessage(OPERATOR_SET_ID, version(0x80, 0x80)), FormatError, /^protobuf: OperatorSetIdProto\.version at byte 1: varint must end before byte 3, got a truncated one$/);
  });

  it('an 11-byte varint, and a 10th byte that overflows 64 bits', () => {
    expectError(() => decodeMessage(OPERATOR_SET_ID, version(...new Array<number>(9).fill(0xff), 0x81, 0x01)), FormatError, /varint must be at most 10 bytes long, got more$/);
    expectError(() => decodeMessage(OPERATOR_SET_ID, version(...new Array<number>(9).fill(0xff), 0x02)), FormatError, /varint must fit in 64 bits, got a 10th byte of 2$/);
  });

  it('an int64 beyond 2^53 - 1 (no silent rounding)', () => {
    // 2^60 = 80 80 80 80 80 80 80 80 10
    expectError(() => decodeMessage(OPERATOR_SET_ID, version(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10)), FormatError, /^protobuf: OperatorSetIdProto\.version at byte 1: int64 value must be a safe integer \(\|v\| < 2\^53\), got 1152921504606846976$/);
  });

  it('a length past the end, without allocating it', () => {
    // OperatorSetIdProto.domain (field 1, length-delimited) claiming 5 bytes, then 1 byte.
    expectError(() => decodeMessage(OPERATOR_SET_ID, bytes(0x0a, 0x05, 0x61)), FormatError, /^protobuf: OperatorSetIdProto\.domain at byte 1: length must be at most the 1 bytes left, got 5$/);
    // TensorProto.rawData claiming 2^40 bytes.
    expectError(() => decodeMessage(TENSOR_PROTO, bytes(0x4a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20)), FormatError, /rawData at byte 1: length must be at most the 0 bytes left, got 1099511627776$/);
  });

  it('a sub-message whose content runs past its own length', () => {
    // GraphProto.node (field 1) of length 2 holding NodeProto.name (field 3) that claims 3 bytes.
    expectError(() => decodeMessage(GRAPH_PROTO, bytes(0x0a, 0x02, 0x1a, 0x03, 0x61, 0x62, 0x63)), FormatError, /^protobuf: NodeProto\.name at byte 3: length must be at most the 0 bytes left, got 3$/);
  });

  it('a packed fixed32 run whose length is not a multiple of 4', () => {
    expectError(() => decodeMessage(TENSOR_PROTO, bytes(0x22, 0x06, 0, 0, 0x80, 0x3f, 0, 0)), FormatError, /^protobuf: TensorProto\.floatData at byte 6: 4 bytes must be left, got 2$/);
  });

  it('a wire type that does not fit a known field', () => {
    // GraphProto.node (field 1) sent as a varint.
    expectError(() => decodeMessage(GRAPH_PROTO, bytes(0x08, 0x01)), FormatError, /^protobuf: GraphProto\.node at byte 1: wire type must be 2, got 0$/);
    // TensorProto.floatData (field 4) sent as fixed64.
    expectError(() => decodeMessage(TENSOR_PROTO, bytes(0x21, 0, 0, 0, 0, 0, 0, 0, 0)), FormatError, /^protobuf: TensorProto\.floatData at byte 1: wire type must be 5, got 1$/);
  });

  it('field number 0 and group wire types', () => {
    expectError(() => decodeMessage(OPERATOR_SET_ID, bytes(0x00, 0x01)), FormatError, /^protobuf: tag at byte 0: field number must be in \[1, 2\^29\), got tag 0$/);
    // Unknown field 99 as a start-group (wire type 3).
    expectError(() => decodeMessage(OPERATOR_SET_ID, bytes(0x9b, 0x06)), FormatError, /^protobuf: OperatorSetIdProto field 99 at byte 2: wire type must be 0, 1, 2 or 5, got 3$/);
  });

  it('graphs nested in attributes deeper than maxDepth, even 20,000 deep (no stack overflow)', () => {
    // Built inside out: Graph{ node: Node{ attribute: Attribute{ g: Graph{ ... } } } }.
    const nest = (levels: number): Uint8Array => {
      let inner = new Uint8Array(0);
      for (let i = 0; i < levels; i++) {
        const attribute = Uint8Array.from([0x32, ...lengthPrefix(inner)]); // AttributeProto.g = 6
        const node = Uint8Array.from([0x2a, ...lengthPrefix(attribute)]); // NodeProto.attribute = 5
        inner = Uint8Array.from([0x0a, ...lengthPrefix(node)]); // GraphProto.node = 1
      }
      return inner;
    };
    expect(() => decodeMessage(GRAPH_PROTO, nest(33))).not.toThrow();
    expectError(() => decodeMessage(GRAPH_PROTO, nest(34)), FormatError, /^protobuf: NodeProto\.attribute at byte \d+: nesting depth must be at most 100 \(maxDepth\), got deeper$/);
    expectError(() => decodeMessage(GRAPH_PROTO, nest(5), { maxDepth: 6 }), FormatError, /nesting depth must be at most 6 \(maxDepth\)/);
    expectError(() => decodeMessage(GRAPH_PROTO, deepNodes(20_000)), FormatError, /nesting depth must be at most 100/);
  });
});


/**
 * GraphProto content nested `levels` times through GraphProto.node → NodeProto.attribute →
 * AttributeProto.g, written front to back without recursion: the content sizes are computed inside out.
 */
function deepNodes(levels: number): Uint8Array {
  const tags = [0x0a, 0x2a, 0x32];
  const contentSizes: number[] = [];
  let size = 0;
  for (let i = 0; i < 3 * levels; i++) {
    contentSizes.push(size);
    size += 1 + varint(size).length;
  }
  const out: number[] = [];
  for (let k = 0; k < 3 * levels; k++) out.push(tags[k % 3]!, ...varint(contentSizes[3 * levels - 1 - k]!));
  return Uint8Array.from(out);
}

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 127; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
}

/** A varint length followed by the bytes. */
function lengthPrefix(content: Uint8Array): number[] {
  return [...varint(content.length), ...content];
}

describe('decoding rules', () => {
  const opset: OperatorSetIdProto = { domain: 'ai.onnx.ml', version: 3 };
  const valid = encodeMessage(OPERATOR_SET_ID, opset);

  it('skips unknown fields of every wire type', () => {
    const unknown = [0xf8, 0x06, 0x05, 0xf9, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0xfa, 0x06, 0x02, 0x61, 0x62, 0xfd, 0x06, 1, 2, 3, 4];
    expect(decodeMessage(OPERATOR_SET_ID, Uint8Array.from([...unknown, ...valid]))).toEqual(opset);
  });

  it('reads repeated numbers packed (proto3) and unpacked (proto2), and appends both', () => {
    // TensorProto.dims (field 1): unpacked 2, 3, then packed [4, 5].
    expect(decodeMessage(TENSOR_PROTO, bytes(0x08, 2, 0x08, 3, 0x0a, 2, 4, 5))).toEqual({ dims: [2, 3, 4, 5] });
  });

  it('decodes bulk number lists into typed arrays, packed runs and unpacked elements alike, in order', () => {
    // AttributeProto.floats (field 7): packed [1.5, 2] then an unpacked 3 (tag 0x3d, fixed32).
    const floats = bytes(0x3a, 8, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0x40, 0x3d, 0, 0, 0x40, 0x40);
    expect(decodeMessage(ATTRIBUTE_PROTO, floats)).toEqual({ floats: Float32Array.of(1.5, 2, 3) });
    // AttributeProto.ints (field 8): packed [1, -1 (10 bytes), 300] twice -> one Int32Array (every value fits).
    const run = [0x42, 13, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xac, 0x02];
    expect(decodeMessage(ATTRIBUTE_PROTO, bytes(...run, ...run))).toEqual({ ints: Int32Array.of(1, -1, 300, 1, -1, 300) });
    // A value beyond int32 (2^31: 80 80 80 80 08) makes its run, and a field joined from it, a Float64Array.
    const wide = [0x42, 6, 7, 0x80, 0x80, 0x80, 0x80, 0x08];
    expect(decodeMessage(ATTRIBUTE_PROTO, bytes(...wide))).toEqual({ ints: Float64Array.of(7, 2 ** 31) });
    expect(decodeMessage(ATTRIBUTE_PROTO, bytes(...run, ...wide))).toEqual({ ints: Float64Array.of(1, -1, 300, 7, 2 ** 31) });
    expect(decodeMessage(ATTRIBUTE_PROTO, bytes(...wide, ...run))).toEqual({ ints: Float64Array.of(7, 2 ** 31, 1, -1, 300) });
    // TensorProto.int64_data stays a Float64Array whatever its values.
    expect(decodeMessage(TENSOR_PROTO, bytes(0x3a, 2, 1, 2))).toEqual({ int64Data: Float64Array.of(1, 2) });
    // TensorProto.int32_data (field 5) unpacked only.
    expect(decodeMessage(TENSOR_PROTO, bytes(0x28, 7, 0x28, 9))).toEqual({ int32Data: Int32Array.of(7, 9) });
    // Built messages may hold typed arrays: same bytes as the number[] form.
    expect(encodeMessage(ATTRIBUTE_PROTO, { floats: Float32Array.of(1.5, 2) })).toEqual(encodeMessage(ATTRIBUTE_PROTO, { floats: [1.5, 2] }));
  });

  it('a truncated packed run in a typed-array field is a FormatError', () => {
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, bytes(0x3a, 3, 0, 0, 0xc0)), FormatError, /^protobuf: AttributeProto\.floats at byte 2: 4 bytes must be left, got 3$/);
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, bytes(0x42, 2, 1, 0x80)), FormatError, /^protobuf: AttributeProto\.ints at byte 3: varint must end before byte 4, got a truncated one$/);
  });

  it('keeps the last occurrence of a non-repeated field, and the last member of a oneof', () => {
    expect(decodeMessage(OPERATOR_SET_ID, bytes(0x10, 1, 0x10, 2))).toEqual({ version: 2 });
    // TensorShapeProto.Dimension: dim_value 4 (08 04) and dim_param "n" (12 01 6e); the later member wins.
    expect(decodeMessage(TENSOR_SHAPE_DIMENSION, bytes(0x08, 4, 0x12, 1, 0x6e))).toEqual({ dimParam: 'n' });
    expect(decodeMessage(TENSOR_SHAPE_DIMENSION, bytes(0x12, 1, 0x6e, 0x08, 4))).toEqual({ dimValue: 4 });
  });

  it('byte fields are plain Uint8Array views into the input, also of a Buffer (no copy)', () => {
    const input = encodeMessage(TENSOR_PROTO, { rawData: bytes(1, 2, 3) });
    const t = decodeMessage(TENSOR_PROTO, Buffer.from(input.buffer));
    expect(t.rawData!.buffer).toBe(input.buffer);
    expect(t.rawData!.constructor).toBe(Uint8Array);
    expect(Array.from(t.rawData!)).toEqual([1, 2, 3]);
  });
});

describe('encoding', () => {
  it('writes lengths of 1, 2 and 3 bytes around content that shifts (names of 100, 200 and 20,000 characters)', () => {
    for (const n of [100, 200, 20_000]) {
      const graph = { name: 'g', node: [{ name: 'x'.repeat(n), opType: 'Relu' }] };
      const mine = encodeMessage(GRAPH_PROTO, graph);
      expect(mine).toEqual(encodeWithProtobufjs(GRAPH_PROTO, graph));
      expect(decodeMessage(GRAPH_PROTO, mine)).toEqual(graph);
    }
  });

  it('refuses values that do not fit their field', () => {
    expectError(() => encodeMessage(TENSOR_PROTO, { dims: [2, 1.5] }), FormatError, /^protobuf: TensorProto\.dims\[1\] must be a safe integer, got 1\.5$/);
    expectError(() => encodeMessage(TENSOR_PROTO, { dims: [2 ** 53] }), FormatError, /^protobuf: TensorProto\.dims\[0\] must be a safe integer, got 9007199254740992$/);
    expectError(() => encodeMessage(TENSOR_PROTO, { dataType: 2 ** 31 }), FormatError, /^protobuf: TensorProto\.dataType must be an int32, got 2147483648$/);
    expectError(() => encodeMessage(TENSOR_PROTO, { uint64Data: [-1] }), FormatError, /^protobuf: TensorProto\.uint64Data\[0\] must be a non-negative safe integer, got -1$/);
    expectError(() => encodeMessage(TENSOR_PROTO, { rawData: 'abc' as never }), FormatError, /^protobuf: TensorProto\.rawData must be a Uint8Array, got string$/);
    expectError(() => encodeMessage(TENSOR_PROTO, { dims: 3 as never }), FormatError, /^protobuf: TensorProto\.dims must be an array, got number$/);
  });

  it('refuses a cyclic message with a nesting error instead of overflowing the stack', () => {
    const graph: GraphProto = { node: [{ attribute: [{ name: 'body' }] }] };
    graph.node![0]!.attribute![0]!.g = graph;
    expectError(() => encodeMessage(GRAPH_PROTO, graph), FormatError, /^protobuf: (GraphProto|NodeProto|AttributeProto) nesting depth must be at most 100 \(maxDepth\), got deeper$/);
  });
});
