/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/): a bounds-checked
 * reader and a growable writer for varints (64-bit as two uint32 halves, no BigInt), fixed32/fixed64
 * and length-delimited fields. Every length read from the wire is checked against the bytes that are
 * left before anything is sliced or allocated, so a hostile buffer gives a FormatError, never a
 * RangeError or a huge allocation.
 */
import { FormatError } from '../errors.js';

/** The wire types ONNX uses. Groups (3, 4) are a deprecated proto2 feature no ONNX file contains. */
export const WireType = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const WHERE = 'protobuf';
const TWO_32 = 4294967296;
const MAX_MESSAGE_BYTES = 2 ** 31 - 1;
const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Reads from `bytes[pos, end)`; a caller narrows `end` to a sub-message's length while reading it. */
export class ProtoReader {
  pos = 0;
  end: number;
  /** The high 32 bits of the last varint (set by {@link varint}). */
  private hi = 0;
  private readonly view: DataView;

  readonly bytes: Uint8Array;

  constructor(input: Uint8Array) {
    // A plain view, so byte fields come out as Uint8Array even when the input is a Node Buffer.
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.end = input.length;
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  /** Reads a varint of at most 10 bytes; returns its low 32 bits (unsigned) and keeps the high ones. */
  varint(label: string): number {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (i === 10) this.fail(label, start, 'varint must be at most 10 bytes long, got more');
      if (this.pos >= this.end) this.fail(label, start, `varint must end before byte ${this.end}, got a truncated one`);
      const b = this.bytes[this.pos++]!;
      const bits = b & 0x7f;
      // Bits 0..27 come from bytes 0..3, byte 4 straddles the halves, bytes 5..9 fill the high half.
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else {
        if (i === 9 && bits > 1) this.fail(label, start, `varint must fit in 64 bits, got a 10th byte of ${b}`);
        hi |= bits << (7 * i - 32);
      }
      if (b < 0x80) break;
    }
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /**
   * Reads the packed varints before `end` into `out` from index `at` while each takes at most 4 bytes
   * (a value below 2^28, which every int32 and int64 field reads the same way): a forest's node ids,
   * feature indices and tree ids, ~10^5 of them, without a method call per value, so that loading a
   * model runs far less JavaScript (docs/edge.md, "What start-up pays for"). Stops before a longer
   * varint, a truncated one or the end of `out`, for {@link varint} and its checks to take over.
   * @returns the index after the last value written
   */
  smallVarints(out: Int32Array, at: number): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    let i = at;
    while (pos < end && i < out.length) {
      let b = bytes[pos]!;
      if (b < 0x80) {
        out[i++] = b;
        pos++;
        continue;
      }
      // Up to 4 bytes; the fourth must end the varint.
      let v = b & 0x7f;
      let k = 1;
      for (; k < 4 && pos + k < end; k++) {
        b = bytes[pos + k]!;
        v |= (b & 0x7f) << (7 * k);
        if (b < 0x80) break;
      }
      if (k === 4 || pos + k >= end) break;
      out[i++] = v;
      pos += k + 1;
    }
    this.pos = pos;
    return i;
  }

  /** A field tag, `field << 3 | wire`, with a field number of at least 1. */
  tag(): number {
    const start = this.pos;
    const lo = this.varint('tag');
    if (this.hi !== 0 || lo >>> 3 === 0) this.fail('tag', start, `field number must be in [1, 2^29), got tag ${exact(lo, this.hi)}`);
    return lo;
  }

  /** A length prefix, checked against the bytes left before `end`. */
  length(label: string): number {
    const start = this.pos;
    const lo = this.varint(label);
    const left = this.end - this.pos;
    if (this.hi !== 0 || lo > left) this.fail(label, start, `length must be at most the ${left} bytes left, got ${exact(lo, this.hi)}`);
    return lo;
  }

  /**
   * int64 (two's complement) as a number: exact within ±(2^53 - 1); beyond, the nearest double when
   * `rounded` (data values such as Slice's INT64_MAX `ends`), else a FormatError (sizes, versions).
   */
  int64(label: string, rounded = false): number {
    const start = this.pos;
    const lo = this.varint(label);
    const hi = this.hi;
    // Small values (hi = 0) skip the float arithmetic: the interpreter would box each result, and a
    // forest's node lists are ~10^5 of them, decoded once, mostly before V8 optimizes this function.
    if (hi === 0) return lo;
    // A negative int64 is -(~v + 1). Both halves are exact in float64; their sum rounds once at most.
    const v = hi >= 0x80000000 ? -((~hi >>> 0) * TWO_32 + (TWO_32 - lo)) : hi * TWO_32 + lo;
    if (!rounded && !Number.isSafeInteger(v)) this.fail(label, start, `int64 value must be a safe integer (|v| < 2^53), got ${BigInt.asIntN(64, exact(lo, hi))}`);
    return v;
  }

  /** uint64 as a number. @throws FormatError above 2^53 - 1 */
  uint64(label: string): number {
    const start = this.pos;
    const lo = this.varint(label);
    const v = this.hi * TWO_32 + lo;
    if (!Number.isSafeInteger(v)) this.fail(label, start, `uint64 value must be a safe integer (v < 2^53), got ${exact(lo, this.hi)}`);
    return v;
  }

  /** int32 and enums: the low 32 bits, signed (negative values are sign-extended to 10 bytes on the wire). */
  int32(label: string): number {
    return this.varint(label) | 0;
  }

  float(label: string): number {
    const at = this.take(4, label);
    return this.view.getFloat32(at, true);
  }

  double(label: string): number {
    const at = this.take(8, label);
    return this.view.getFloat64(at, true);
  }

  /** A length-delimited byte string: a view into the input, not a copy. */
  bytesField(label: string): Uint8Array {
    const n = this.length(label);
    const at = this.take(n, label);
    return this.bytes.subarray(at, at + n);
  }

  string(label: string): string {
    return utf8.decode(this.bytesField(label));
  }

  /** Skips an unknown field's value. @throws FormatError for group or reserved wire types */
  skip(wire: number, label: string): void {
    if (wire === WireType.VARINT) this.varint(label);
    else if (wire === WireType.FIXED64) this.take(8, label);
    else if (wire === WireType.FIXED32) this.take(4, label);
    else if (wire === WireType.LEN) this.take(this.length(label), label);
    else this.fail(label, this.pos, `wire type must be 0, 1, 2 or 5, got ${wire}`);
  }

  /** Advances over `n` bytes that must lie before `end`; returns where they start. */
  private take(n: number, label: string): number {
    const at = this.pos;
    if (n > this.end - at) this.fail(label, at, `${n} bytes must be left, got ${this.end - at}`);
    this.pos += n;
    return at;
  }

  fail(label: string, at: number, what: string): never {
    throw new FormatError(`${WHERE}: ${label} at byte ${at}: ${what}`, WHERE);
  }
}

/** The exact 64-bit value of two uint32 halves, for error messages only. */
function exact(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Bytes a varint of the non-negative value `n` (< 2^53) takes. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Appends to a buffer that doubles when full. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A varint from two uint32 halves. */
  private varint(lo: number, hi: number): void {
    this.ensure(10);
    while (hi !== 0 || lo > 127) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  tag(field: number, wire: WireType): void {
    this.varint(((field << 3) | wire) >>> 0, 0);
  }

  /**
   * int64/uint64 from an integer: negative values as 64-bit two's complement; doubles at or beyond
   * ±2^63 saturate, so a decoded INT64_MAX (read as 2^63) is written back as INT64_MAX.
   */
  int64(v: number): void {
    if (v >= 2 ** 63) this.varint(0xffffffff, 0x7fffffff);
    else if (v <= -(2 ** 63)) this.varint(0, 0x80000000);
    else this.varint(v >>> 0, Math.floor(v / TWO_32) >>> 0);
  }

  /** int32/enum: negative values are sign-extended to 64 bits, as protobuf requires. */
  int32(v: number): void {
    this.varint(v >>> 0, v < 0 ? 0xffffffff : 0);
  }

  float(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytesField(v: Uint8Array): void {
    this.varint(v.length, 0);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  string(v: string): void {
    const start = this.beginLength();
    this.ensure(3 * v.length);
    this.pos += utf8Encoder.encodeInto(v, this.buf.subarray(this.pos)).written;
    this.endLength(start);
  }

  /**
   * Starts a length-delimited value whose size is not known yet: one byte is reserved for the length,
   * and {@link endLength} moves the content when the length needs more (keeps the minimal encoding).
   */
  beginLength(): number {
    this.ensure(1);
    return this.pos++;
  }

  endLength(start: number): void {
    const n = this.pos - start - 1;
    if (n > MAX_MESSAGE_BYTES) throw new FormatError(`${WHERE}: a message must be at most ${MAX_MESSAGE_BYTES} bytes (protobuf's 2 GiB limit), got ${n}`, WHERE);
    const extra = varintSize(n) - 1;
    if (extra > 0) {
      this.ensure(extra);
      this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    }
    let p = start;
    let v = n;
    for (; v > 127; v >>>= 7) this.buf[p++] = (v & 0x7f) | 0x80;
    this.buf[p] = v;
    this.pos += extra;
  }

  /** The bytes written so far (a copy sized to fit). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
