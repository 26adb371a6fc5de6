/**
 * The codec's bulk paths (docs/edge.md, "Memory and start-up"): packed varints below 2^28 read in one
 * loop (ProtoReader.smallVarints), packed fixed-width runs copied byte for byte, and runs of one
 * repeated bytes field read in one loop. Each must give what the element-by-element reading gives:
 * values are encoded here from BigInts with a varint writer of this file (minimal and padded
 * encodings, negative and 64-bit values), and decoded strings are compared with protobufjs's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { ATTRIBUTE_PROTO, ByteList, TENSOR_PROTO, decodeMessage } from '../../src/protobuf/index.js';
import { expectError } from '../tensor/expect-error.js';
import { protobufjsClass } from './onnx-proto-reference.js';
import { delimited, varint } from './wire-bytes.js';

/** Signed 64-bit values, weighted towards the 1- to 4-byte varints of the fast path and its edges. */
const int64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 127n }),
  fc.bigInt({ min: 0n, max: 2n ** 28n + 2n }),
  fc.constantFrom(2n ** 21n - 1n, 2n ** 21n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 31n - 1n, 2n ** 31n, -1n, -(2n ** 31n), 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);

describe('packed varints (AttributeProto.ints)', () => {
  it('decode as the element reader does: an Int32Array when every value fits, else float64s, for any mix of lengths and paddings', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(int64, fc.nat({ max: 3 })), { maxLength: 60 }), fc.nat({ max: 2 }), (values, runs) => {
        // The values in `runs + 1` packed runs of the same field: the decoder joins them in order.
        const cut = Math.floor(values.length / 2);
        const parts = runs === 0 ? [values] : [values.slice(0, cut), values.slice(cut)];
        const bytes = parts.flatMap((part) => (part.length === 0 ? [] : delimited(0x42, part.flatMap(([v, pad]) => varint(v, pad)))));
        const expected = values.map(([v]) => Number(v));
        const decoded = decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from(bytes)).ints;
        if (values.length === 0) {
          expect(decoded).toBeUndefined();
        } else {
          expect(decoded).toBeInstanceOf(expected.every((v) => (v | 0) === v) ? Int32Array : Float64Array);
          expect(Array.from(decoded!)).toEqual(expected);
        }
      }),
      { seed: 19, numRuns: 400 },
    );
  });

  it('report a truncated, an overlong or an overflowing varint after small ones at its own byte', () => {
    // [1, 2] then 81 81 81 running into the end of the run (byte 4 is its first byte).
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from([0x42, 5, 1, 2, 0x81, 0x81, 0x81])), FormatError, /^protobuf: AttributeProto\.ints at byte 4: varint must end before byte 7, got a truncated one$/);
    // A small value, then eleven continuation bytes.
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from([0x42, 12, 3, ...new Array(11).fill(0x80)])), FormatError, /^protobuf: AttributeProto\.ints at byte 3: varint must be at most 10 bytes long, got more$/);
    // A 10th byte of 2 does not fit 64 bits.
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from([0x42, 11, 5, ...new Array(9).fill(0xff), 0x02])), FormatError, /^protobuf: AttributeProto\.ints at byte 3: varint must fit in 64 bits, got a 10th byte of 2$/);
  });
});

describe('packed fixed-width runs', () => {
  it('float32 and float64 lists hold the exact bits written, NaN payloads and -0 included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 40 }), fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 20 }), (bits32, bits64) => {
        const f32 = new Uint8Array(4 * bits32.length);
        bits32.forEach((b, i) => new DataView(f32.buffer).setUint32(4 * i, b, true));
        const f64 = new Uint8Array(8 * bits64.length);
        bits64.forEach((b, i) => new DataView(f64.buffer).setBigUint64(8 * i, b, true));
        const floats = decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from(bits32.length ? delimited(0x3a, [...f32]) : [])).floats as Float32Array | undefined;
        const doubles = decodeMessage(TENSOR_PROTO, Uint8Array.from(bits64.length ? delimited(0x52, [...f64]) : [])).doubleData as Float64Array | undefined;
        expect(floats === undefined ? [] : Array.from(new Uint32Array(floats.buffer, floats.byteOffset, floats.length))).toEqual(bits32);
        expect(doubles === undefined ? [] : Array.from(new BigUint64Array(doubles.buffer, doubles.byteOffset, doubles.length))).toEqual(bits64);
      }),
      { seed: 19, numRuns: 200 },
    );
  });

  it('own their memory: changing the input afterwards changes nothing decoded', () => {
    const input = Uint8Array.from(delimited(0x3a, [0, 0, 0xc0, 0x3f]));
    const floats = decodeMessage(ATTRIBUTE_PROTO, input).floats as Float32Array;
    input.fill(0);
    expect(Array.from(floats)).toEqual([1.5]);
  });
});

describe('a run of one repeated bytes field (AttributeProto.strings)', () => {
  /** Strings of every length class: empty, one-byte lengths, 127/128 around the boundary, longer. */
  const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('', 'LEAF', 'BRANCH_LEQ', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(300)));

  it('gives the strings protobufjs gives, consecutive or split by other fields', () => {
    const reference = protobufjsClass(ATTRIBUTE_PROTO);
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.boolean()), { maxLength: 30 }), (items) => {
        // After an item marked true, an `i` field (3, varint) breaks the run.
        const bytes = Uint8Array.from(items.flatMap(([s, split]) => [...delimited(0x4a, [...new TextEncoder().encode(s)]), ...(split ? [0x18, 7] : [])]));
        const decoded = decodeMessage(ATTRIBUTE_PROTO, bytes, { compactLists: true }).strings;
        const expected = (reference.decode(bytes) as unknown as { strings: Uint8Array[] }).strings.map((b) => new TextDecoder().decode(b));
        expect(expected).toEqual(items.map(([s]) => s));
        if (items.length === 0) {
          expect(decoded).toBeUndefined();
        } else {
          expect(decoded).toBeInstanceOf(ByteList);
          expect([...(decoded as ByteList)].map((b) => new TextDecoder().decode(b))).toEqual(expected);
        }
      }),
      { seed: 19, numRuns: 300 },
    );
  });

  it('reports a string running past the end of its message at its length byte', () => {
    // Two strings, the second claims 5 bytes where 2 are left.
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from([0x4a, 1, 0x41, 0x4a, 5, 0x42, 0x43]), { compactLists: true }), FormatError, /^protobuf: AttributeProto\.strings at byte 4: length must be at most the 2 bytes left, got 5$/);
    // The second claims 3 bytes where 2 are left after its length byte.
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from([0x4a, 1, 0x41, 0x4a, 3, 0x42, 0x43]), { compactLists: true }), FormatError, /^protobuf: AttributeProto\.strings at byte 4: length must be at most the 2 bytes left, got 3$/);
    // A tag at the very end, with no length.
    expectError(() => decodeMessage(ATTRIBUTE_PROTO, Uint8Array.from([0x4a, 1, 0x41, 0x4a]), { compactLists: true }), FormatError, /^protobuf: AttributeProto\.strings at byte 4: varint must end before byte 4, got a truncated one$/);
  });
});
