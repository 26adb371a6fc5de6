/**
 * What decoding an ONNX file will cost in memory, read off the protobuf wire format before protobufjs
 * decodes it. Decoding amplifies: every message becomes a JavaScript object (an empty AttributeProto,
 * 2 bytes on disk, is ~310 bytes of heap), every int64 in a packed list a `Long` object (1 byte → ~58),
 * so a 30 MB file of empty attributes would take ~5 GB of heap and end the process. The scan walks the
 * messages with the ONNX schema exactly as onnx-proto's generated decoder does (a known field is read
 * by its declared type whatever its wire type says; unknown fields are skipped by wire type), counts
 * objects and list elements, and multiplies by per-item costs measured on Node 20 with onnx-proto
 * 8.0.1, rounded up. raw_data costs nothing: protobufjs returns a view of the file's bytes.
 */

/** How onnx-proto stores a field: a nested message, or a scalar kind (`[]`: a repeated field). */
type Scalar = 'varint' | 'int64' | 'fixed32' | 'fixed64' | 'string' | 'bytes';
type FieldKind = Scalar | `${Scalar}[]` | MessageName;
type MessageName =
  | 'ModelProto' | 'GraphProto' | 'NodeProto' | 'AttributeProto' | 'TensorProto' | 'Segment' | 'SparseTensorProto'
  | 'ValueInfoProto' | 'TypeProto' | 'TypeTensor' | 'TypeSequence' | 'TypeMap' | 'TensorShapeProto' | 'Dimension'
  | 'OperatorSetIdProto' | 'StringStringEntryProto' | 'TensorAnnotation' | 'TrainingInfoProto' | 'FunctionProto';

/** Field number → kind for every message onnx-proto decodes (onnx.proto's numbering and types). */
const SCHEMA: Readonly<Record<MessageName, Readonly<Record<number, FieldKind>>>> = {
  ModelProto: { 1: 'int64', 2: 'string', 3: 'string', 4: 'string', 5: 'int64', 6: 'string', 7: 'GraphProto', 8: 'OperatorSetIdProto', 14: 'StringStringEntryProto', 20: 'TrainingInfoProto', 25: 'FunctionProto' },
  GraphProto: { 1: 'NodeProto', 2: 'string', 5: 'TensorProto', 10: 'string', 11: 'ValueInfoProto', 12: 'ValueInfoProto', 13: 'ValueInfoProto', 14: 'TensorAnnotation', 15: 'SparseTensorProto' },
  NodeProto: { 1: 'string[]', 2: 'string[]', 3: 'string', 4: 'string', 5: 'AttributeProto', 6: 'string', 7: 'string' },
  AttributeProto: { 1: 'string', 2: 'fixed32', 3: 'int64', 4: 'bytes', 5: 'TensorProto', 6: 'GraphProto', 7: 'fixed32[]', 8: 'int64[]', 9: 'bytes[]', 10: 'TensorProto', 11: 'GraphProto', 13: 'string', 14: 'TypeProto', 15: 'TypeProto', 20: 'varint', 21: 'string', 22: 'SparseTensorProto', 23: 'SparseTensorProto' },
  TensorProto: { 1: 'int64[]', 2: 'varint', 3: 'Segment', 4: 'fixed32[]', 5: 'varint[]', 6: 'bytes[]', 7: 'int64[]', 8: 'string', 9: 'bytes', 10: 'fixed64[]', 11: 'int64[]', 12: 'string', 13: 'StringStringEntryProto', 14: 'varint' },
  Segment: { 1: 'int64', 2: 'int64' },
  SparseTensorProto: { 1: 'TensorProto', 2: 'TensorProto', 3: 'int64[]' },
  ValueInfoProto: { 1: 'string', 2: 'TypeProto', 3: 'string' },
  TypeProto: { 1: 'TypeTensor', 4: 'TypeSequence', 5: 'TypeMap', 6: 'string', 8: 'TypeTensor', 9: 'TypeSequence' },
  TypeTensor: { 1: 'varint', 2: 'TensorShapeProto' },
  TypeSequence: { 1: 'TypeProto' },
  TypeMap: { 1: 'varint', 2: 'TypeProto' },
  TensorShapeProto: { 1: 'Dimension' },
  Dimension: { 1: 'int64', 2: 'string', 3: 'string' },
  OperatorSetIdProto: { 1: 'string', 2: 'int64' },
  StringStringEntryProto: { 1: 'string', 2: 'string' },
  TensorAnnotation: { 1: 'string', 2: 'StringStringEntryProto' },
  TrainingInfoProto: { 1: 'GraphProto', 2: 'GraphProto', 3: 'StringStringEntryProto', 4: 'StringStringEntryProto' },
  FunctionProto: { 1: 'string', 4: 'string[]', 5: 'string[]', 6: 'string[]', 7: 'NodeProto', 8: 'string', 9: 'OperatorSetIdProto', 10: 'string' },
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

  /** A varint's value (exact below 2^49, enough for lengths and tags), or NaN past the end. */
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.bytes.length) return NaN;
      const byte = this.bytes[this.pos++]!;
      if (shift < 49) value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return NaN;
  }

  /** The end of a length-delimited value starting here, or NaN when it does not fit before `end`. */
  delimited(end: number): number {
    const length = this.varint();
    return this.pos + length <= end ? this.pos + length : NaN;
  }
}

/**
 * Estimated heap bytes that protobufjs allocates decoding `bytes` as an ONNX ModelProto. The scan stops
 * at the first malformed value (protobufjs then fails too) and returns the estimate so far.
 */
export function estimateDecodedBytes(bytes: Uint8Array): number {
  const w = new Wire(bytes);
  const stack: { type: MessageName; end: number }[] = [{ type: 'ModelProto', end: bytes.length }];
  let cost = COST.message;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (w.pos >= top.end) {
      w.pos = top.end;
      stack.pop();
      continue;
    }
    const tag = w.varint();
    const kind: FieldKind | undefined = SCHEMA[top.type][Math.floor(tag / 8)];
    const added = kind === undefined ? skipUnknown(w, tag % 8, top.end) : kind in SCHEMA ? enterMessage(w, kind as MessageName, { top, stack }) : readScalar(w, kind as Scalar | `${Scalar}[]`, { wire: tag % 8, end: top.end });
    if (!Number.isFinite(added)) return cost;
    cost += added;
  }
  return cost;
}

/** A known message field: pushed for scanning, or charged wholesale beyond MAX_NESTING. */
function enterMessage(w: Wire, type: MessageName, at: { top: { end: number }; stack: { type: MessageName; end: number }[] }): number {
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

/** A known scalar field, read by its declared kind; a repeated one may come packed. @returns its cost */
function readScalar(w: Wire, kind: Scalar | `${Scalar}[]`, f: { wire: number; end: number }): number {
  const repeated = kind.endsWith('[]');
  const scalar = (repeated ? kind.slice(0, -2) : kind) as Scalar;
  const each = scalar === 'int64' ? COST.int64 : scalar === 'string' || scalar === 'bytes' ? COST.string : COST.number;
  if (scalar === 'string' || scalar === 'bytes') {
    const start = w.pos;
    const end = w.delimited(f.end);
    w.pos = end;
    return each + (scalar === 'string' ? 2 * (end - start) : 0);
  }
  if (repeated && f.wire === 2) {
    const start = w.pos;
    const end = w.delimited(f.end);
    if (!Number.isFinite(end)) return NaN;
    w.pos = end;
    return each * (WIDTH[scalar] > 0 ? Math.ceil((end - start) / WIDTH[scalar]) : varintsIn(w.bytes, start, end));
  }
  if (WIDTH[scalar] > 0) w.pos += WIDTH[scalar];
  else if (!Number.isFinite(w.varint())) return NaN;
  // A singular number lives in its message's object; a singular int64 is a Long of its own.
  return w.pos > f.end ? NaN : repeated || scalar === 'int64' ? each : 0;
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
