/**
 * What decoding an ONNX file will cost in memory, read off the protobuf wire format before the codec
 * decodes it. Decoding amplifies: every message becomes a JavaScript object (an empty AttributeProto,
 * 2 bytes on disk, is ~310 bytes of heap), so a 30 MB file of empty attributes would take ~5 GB of heap
 * and end the process. The scan walks the messages with the codec's own schema table
 * (src/protobuf/onnx-schema.ts, the table the decoder reads with), as the decoder does (a known field
 * is read by its declared type whatever its wire type says; unknown fields are skipped by wire type),
 * counts objects and list elements, and multiplies by per-item costs measured on Node 20 with the
 * onnx-proto 8.0.1 decoder, rounded up: an upper bound for dadm's codec, whose number lists are typed
 * arrays (an int64 in a list was a `Long` object there, 1 byte → ~58). raw_data costs nothing: the
 * codec returns a view of the file's bytes.
 */
import { onnx } from '../onnx/reader.js';

/** How a field is charged: a scalar kind of the wire format. */
type Scalar = 'varint' | 'int64' | 'fixed32' | 'fixed64' | 'string' | 'bytes';
type Spec = onnx.MessageSpec<unknown>;

/** The codec's number kinds, as the scan charges them: every 64-bit integer as an int64. */
const SCALAR_OF: Readonly<Record<Exclude<onnx.Field['kind'], 'message'>, Scalar>> = {
  int32: 'varint', int64: 'int64', int64Value: 'int64', uint64: 'int64', float: 'fixed32', double: 'fixed64', string: 'string', bytes: 'bytes',
};

/**
 * Heap bytes per decoded item, measured and rounded up: a message object with room for the arrays of
 * its repeated fields (an empty AttributeProto is ~313, each array it starts ~48), a Long, a number in
 * a list, a string or Buffer view.
 */
const COST = { message: 640, int64: 64, number: 16, string: 192 } as const;
/** Nesting the scan follows; deeper messages are charged as if every 2 bytes were an object. */
const MAX_NESTING = 100;

/** Bytes of one value of a fixed-width scalar, 0 for varints. */
const WIDTH: Readonly<Record<Scalar, number>> = { varint: 0, int64: 0, fixed32: 4, fixed64: 8, string: 0, bytes: 0 };

class Wire {
  pos = 0;

  constructor(readonly bytes: Uint8Array) {}

  /**
   * A varint's value (exact below 2^49, enough for lengths and tags), or NaN past the end. The scale is
   * multiplied up rather than computed as 2 ** shift: small values then stay small integers, which the
   * interpreter does not box (the scan runs once per file, mostly before V8 optimizes it).
   */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.bytes.length) return NaN;
      const byte = this.bytes[this.pos++]!;
      if (shift < 49) value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return NaN;
  }

  /** The end of a length-delimited value starting here, or NaN when it does not fit before `end`. */
  delimited(end: number): number {
    const length = this.varint();
    return this.pos + length <= end ? this.pos + length : NaN;
  }

  /**
   * A string or bytes value, and those right after it while the same one-byte tag repeats (a forest's
   * `nodes_modes`, one string per node), in one loop rather than a pass of the scan's field dispatch
   * each. `perByte`: 2 for a string's characters, 0 for bytes (a view).
   */
  stringsCost(perByte: number, tag: number, end: number): number {
    const repeats = tag < 0x80 && tag % 8 === 2;
    let cost = 0;
    for (;;) {
      const start = this.pos;
      this.pos = this.delimited(end);
      cost += COST.string + perByte * (this.pos - start);
      if (!repeats || !(this.pos < end) || this.bytes[this.pos] !== tag) return cost;
      this.pos++;
    }
  }

  /**
   * A known scalar field of the codec's schema table (its tag just read), read by its declared kind;
   * a repeated one may come packed. @returns its cost, NaN when malformed
   */
  scalarCost(field: onnx.Field, tag: number, end: number): number {
    const wire = tag % 8;
    const scalar = SCALAR_OF[field.kind as Exclude<onnx.Field['kind'], 'message'>];
    const each = scalar === 'int64' ? COST.int64 : scalar === 'string' || scalar === 'bytes' ? COST.string : COST.number;
    if (scalar === 'string' || scalar === 'bytes') return this.stringsCost(scalar === 'string' ? 2 : 0, tag, end);
    if (field.repeated && wire === 2) {
      const start = this.pos;
      const runEnd = this.delimited(end);
      if (!Number.isFinite(runEnd)) return NaN;
      this.pos = runEnd;
      return each * (WIDTH[scalar] > 0 ? Math.ceil((runEnd - start) / WIDTH[scalar]) : varintsIn(this.bytes, start, runEnd));
    }
    if (WIDTH[scalar] > 0) this.pos += WIDTH[scalar];
    else if (!Number.isFinite(this.varint())) return NaN;
    // A singular number lives in its message's object; a singular int64 is a Long of its own.
    return this.pos > end ? NaN : field.repeated || scalar === 'int64' ? each : 0;
  }
}

/**
 * The most {@link estimateDecodedBytes} can return for a file of `length` bytes: each charge is at
 * most one message's cost per 2 bytes of the wire (an empty message takes 2: a tag and a zero
 * length; strings and numbers cost less per byte), plus the top-level message. A caller whose limit
 * is above it need not scan: an edge agent's model of a few hundred kB then loads without a second
 * pass over its bytes (docs/edge.md, "What start-up pays for").
 */
export function decodedBytesBound(length: number): number {
  return COST.message * (1 + Math.ceil(length / 2));
}

/**
 * Estimated heap bytes that protobufjs allocates decoding `bytes` as an ONNX ModelProto. The scan stops
 * at the first malformed value (protobufjs then fails too) and returns the estimate so far.
 */
export function estimateDecodedBytes(bytes: Uint8Array): number {
  const w = new Wire(bytes);
  const stack: { type: Spec; end: number }[] = [{ type: onnx.MODEL_PROTO, end: bytes.length }];
  let cost = COST.message;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (w.pos >= top.end) {
      w.pos = top.end;
      stack.pop();
      continue;
    }
    const tag = w.varint();
    const wire = tag % 8;
    // (tag - wire) / 8 is exact, so it stays a small integer where Math.floor(tag / 8) makes a double.
    const field = top.type.byNumber.get((tag - wire) / 8);
    const added =
      field === undefined
        ? skipUnknown(w, wire, top.end)
        : field.message !== undefined
          ? enterMessage(w, field.message(), { top, stack })
          : w.scalarCost(field, tag, top.end);
    if (!Number.isFinite(added)) return cost;
    cost += added;
  }
  return cost;
}

/** A known message field: pushed for scanning, or charged wholesale beyond MAX_NESTING. */
function enterMessage(w: Wire, type: Spec, at: { top: { end: number }; stack: { type: Spec; end: number }[] }): number {
  const start = w.pos;
  const end = w.delimited(at.top.end);
  if (!Number.isFinite(end)) return NaN;
  if (at.stack.length < MAX_NESTING) {
    at.stack.push({ type, end });
    return COST.message;
  }
  w.pos = end;
  return COST.message * Math.ceil((end - start) / 2);
}

/**
 * An unknown field, skipped by wire type as protobufjs does (a group up to its matching end-group tag,
 * nested groups included); costs nothing, since protobufjs keeps nothing of it.
 */
function skipUnknown(w: Wire, wire: number, end: number): number {
  let groups = 0;
  for (let type = wire; ; type = w.varint() % 8) {
    if (type === 0) {
      if (!Number.isFinite(w.varint())) return NaN;
    } else if (type === 1 || type === 5) {
      w.pos += type === 1 ? 8 : 4;
    } else if (type === 2) {
      w.pos = w.delimited(end);
    } else if (type === 3) {
      groups++;
    } else if (type === 4 && groups > 0) {
      groups--;
    } else {
      return NaN; // a stray end-group or a reserved wire type: protobufjs refuses the file
    }
    if (!(w.pos <= end)) return NaN;
    if (groups === 0) return 0;
  }
}

function varintsIn(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (b[i]! < 0x80) n++;
  return n;
}
