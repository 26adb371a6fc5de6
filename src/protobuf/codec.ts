/**
 * A table-driven protobuf codec: one {@link MessageSpec} per message type drives both
 * {@link encodeMessage} and {@link decodeMessage}. Messages are plain objects whose properties are
 * the fields' camelCase names; a field is present when its property is set (not undefined or null).
 * Numbers: int64/uint64 are JS numbers checked to be safe integers (sizes, versions, ids), except
 * `int64Value` fields (attribute and tensor data) where INT64_MAX-style sentinels round to the nearest
 * double; floats are float32 values.
 * Repeated numbers are written packed, as proto3 and protobufjs write them: onnx.proto (proto2)
 * declares only the tensor data fields `[packed = true]`, but every protobuf parser since 2.3 reads
 * both forms, and packing keeps dadm's files as small as the onnx-proto package wrote them.
 * The bulk number lists (tensor data, attribute `floats`/`ints`) are {@link array} fields: decoded
 * straight into one typed array per field (a forest's node arrays are ~10^5 entries each), built from
 * either a typed array or a number[].
 */
import { HOST_LITTLE_ENDIAN } from '../endian.js';
import { FormatError } from '../errors.js';
import { ByteList } from './byte-list.js';
import { ProtoReader, ProtoWriter, WireType } from './wire.js';

export type NumberKind = 'int32' | 'int64' | 'int64Value' | 'uint64' | 'float' | 'double';
export type ScalarKind = NumberKind | 'string' | 'bytes';

/** One field of a message, as the codec uses it. */
export interface Field {
  readonly name: string;
  readonly no: number;
  readonly kind: ScalarKind | 'message';
  readonly repeated: boolean;
  /** The field's message type, behind a thunk because ONNX messages refer to each other in cycles. */
  readonly message?: () => MessageSpec<unknown>;
  /** A repeated number field decoded into a typed array ({@link array}). */
  readonly typed?: boolean;
  /** An {@link array} field of 64-bit integers that decodes into an Int32Array when every value fits ({@link narrowArray}). */
  readonly narrow?: boolean;
  /** A repeated bytes field that may decode into a {@link ByteList} ({@link byteList}). */
  readonly compact?: boolean;
  /** `Message.field`, for error messages. */
  readonly label: string;
}

/** A message type: its fields in field-number order (the encoding order) and a lookup by number. */
export interface MessageSpec<T> {
  readonly name: string;
  readonly fields: readonly Field[];
  readonly byNumber: ReadonlyMap<number, Field>;
  /** Members of the message's `oneof`: decoding one of them removes the others. */
  readonly oneof: readonly string[];
  /** Never set: ties the spec to the interface of the messages it describes. */
  readonly describes?: T;
}

type Element<V> = V extends readonly (infer E)[] ? E : V;
type KindFor<E> = [E] extends [number]
  ? { readonly kind: NumberKind }
  : [E] extends [string]
    ? { readonly kind: 'string' }
    : [E] extends [Uint8Array]
      ? { readonly kind: 'bytes' }
      : { readonly kind: 'message'; readonly message: () => MessageSpec<E> };

/** The typed arrays {@link array} fields decode into. */
export type NumberArray = Float32Array | Float64Array | Int32Array;

/**
 * The field definition a property of type V may have: the kind fits the value, `repeated` fits arrays,
 * and a property that may hold a typed array is an {@link array} field.
 */
export type FieldFor<V> = [Extract<V, ByteList>] extends [never]
  ? [Extract<V, NumberArray>] extends [never]
    ? { readonly no: number; readonly repeated: V extends readonly unknown[] ? true : false } & KindFor<Element<V>>
    : { readonly no: number; readonly repeated: true; readonly typed: true; readonly kind: NumberKind }
  : { readonly no: number; readonly repeated: true; readonly compact: true; readonly kind: 'bytes' };

/** A definition for every property of T, so a field missing from a table fails `tsc`. */
export type FieldTable<T> = { readonly [K in keyof T]-?: FieldFor<NonNullable<T[K]>> };

/** An optional scalar field. */
export const one = <K extends ScalarKind>(no: number, kind: K) => ({ no, kind, repeated: false }) as const;
/** A repeated scalar field. */
export const list = <K extends ScalarKind>(no: number, kind: K) => ({ no, kind, repeated: true }) as const;
/**
 * A repeated number field decoded into a typed array: Float32Array for `float`, Int32Array for
 * `int32`, Float64Array for the 64-bit kinds (int64 data as doubles, exact up to 2^53).
 */
export const array = <K extends NumberKind>(no: number, kind: K) => ({ no, kind, repeated: true, typed: true }) as const;
/**
 * A repeated 64-bit integer field decoded as an {@link array}, but into an Int32Array when every value
 * of a packed run fits 32 bits (a forest's node ids, feature indices, axes): reading an Int32Array
 * element yields a small integer, where a Float64Array element is a boxed double in code V8 has not
 * optimized yet, one allocation per read while a model loads. Else a Float64Array, as {@link array}.
 */
export const narrowArray = <K extends 'int64' | 'int64Value' | 'uint64'>(no: number, kind: K) => ({ no, kind, repeated: true, typed: true, narrow: true }) as const;
/**
 * A repeated bytes field that decodes into one {@link ByteList} when `CodecOptions.compactLists` is set
 * (else into a Uint8Array[]); encoded from either.
 */
export const byteList = (no: number) => ({ no, kind: 'bytes', repeated: true, compact: true }) as const;
/** An optional message field. */
export const msg = <T>(no: number, message: () => MessageSpec<T>) => ({ no, kind: 'message', message, repeated: false }) as const;
/** A repeated message field. */
export const msgs = <T>(no: number, message: () => MessageSpec<T>) => ({ no, kind: 'message', message, repeated: true }) as const;

/**
 * Builds a message spec from its field table; `oneof` lists the members of its oneof, if any. The
 * fields are laid out on first use: a process that imports the ONNX schema's ~25 messages and reads
 * a model touches about half of them, and laying out all of them cost ~1 ms of an edge agent's
 * start-up (docs/edge.md).
 */
export function defineMessage<T>(name: string, table: FieldTable<T>, oneof: readonly (keyof T & string)[] = []): MessageSpec<T> {
  return new LazyMessage<T>(name, table, oneof);
}

class LazyMessage<T> implements MessageSpec<T> {
  private laid: { fields: Field[]; byNumber: Map<number, Field> } | null = null;

  constructor(readonly name: string, private readonly table: FieldTable<T>, readonly oneof: readonly string[]) {}

  get fields(): readonly Field[] {
    return (this.laid ??= this.layOut()).fields;
  }

  get byNumber(): ReadonlyMap<number, Field> {
    return (this.laid ??= this.layOut()).byNumber;
  }

  private layOut(): { fields: Field[]; byNumber: Map<number, Field> } {
    const fields: Field[] = Object.entries(this.table).map(([field, def]) => ({ ...(def as Omit<Field, 'name' | 'label'>), name: field, label: `${this.name}.${field}` }));
    fields.sort((a, b) => a.no - b.no);
    return { fields, byNumber: new Map(fields.map((f) => [f.no, f])) };
  }
}

interface ScalarCodec {
  readonly wire: WireType;
  /** What a value to encode must be, for the error message. */
  readonly must: string;
  ok(v: unknown): boolean;
  read(r: ProtoReader, label: string): number | string | Uint8Array;
  write(w: ProtoWriter, v: never): void;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const SCALARS: Record<ScalarKind, ScalarCodec> = {
  int32: { wire: WireType.VARINT, must: 'be an int32', ok: (v) => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31, read: (r, l) => r.int32(l), write: (w, v: number) => w.int32(v) },
  int64: { wire: WireType.VARINT, must: 'be a safe integer', ok: Number.isSafeInteger, read: (r, l) => r.int64(l), write: (w, v: number) => w.int64(v) },
  int64Value: { wire: WireType.VARINT, must: 'be an integer', ok: Number.isInteger, read: (r, l) => r.int64(l, true), write: (w, v: number) => w.int64(v) },
  uint64: { wire: WireType.VARINT, must: 'be a non-negative safe integer', ok: (v) => Number.isSafeInteger(v) && (v as number) >= 0, read: (r, l) => r.uint64(l), write: (w, v: number) => w.int64(v) },
  float: { wire: WireType.FIXED32, must: 'be a number', ok: isNumber, read: (r, l) => r.float(l), write: (w, v: number) => w.float(v) },
  double: { wire: WireType.FIXED64, must: 'be a number', ok: isNumber, read: (r, l) => r.double(l), write: (w, v: number) => w.double(v) },
  string: { wire: WireType.LEN, must: 'be a string', ok: (v) => typeof v === 'string', read: (r, l) => r.string(l), write: (w, v: string) => w.string(v) },
  bytes: { wire: WireType.LEN, must: 'be a Uint8Array', ok: (v) => v instanceof Uint8Array, read: (r, l) => r.bytesField(l), write: (w, v: Uint8Array) => w.bytesField(v) },
};

/** Limits of {@link decodeMessage} and {@link encodeMessage}. */
export interface CodecOptions {
  /**
   * Deepest accepted nesting of messages (the top-level message is depth 0). Default 100, protobuf
   * C++'s recursion limit: a GraphProto inside a node attribute is 3 levels below its parent graph.
   */
  maxDepth?: number;
  /**
   * Decode {@link byteList} fields (an attribute's `strings`) into one {@link ByteList} each instead of
   * a view per element. Default false. The runtime sets it: a forest has one string per node.
   */
  compactLists?: boolean;
  /**
   * Readers for long runs that the codec calls before its own reading and falls back from: the
   * runtime passes WebAssembly ones (runtime/load-wasm.ts), so that loading a forest runs no
   * JavaScript per node. Each must give exactly what the codec's reading gives, or null.
   */
  bulk?: BulkReader;
}

/** See {@link CodecOptions.bulk}. */
export interface BulkReader {
  /**
   * The packed varints of `bytes[start, end)` as an Int32Array when each is at most 5 bytes long with
   * a value below 2^31, else null.
   */
  varints(bytes: Uint8Array, start: number, end: number): Int32Array | null;
  /**
   * From the length byte at `start` (its one-byte `tag` read), the elements of a run of one repeated
   * bytes field while the tag repeats before `end`: their (start, end) pairs into `bytes` and the
   * position after the run; null when an element's length is not one byte that fits before `end`.
   */
  byteRun(bytes: Uint8Array, start: number, end: number, tag: number): { bounds: Int32Array; pos: number } | null;
}

const DEFAULT_MAX_DEPTH = 100;
const WHERE = 'protobuf';

function fail(what: string): never {
  throw new FormatError(`${WHERE}: ${what}`, WHERE);
}

/**
 * Serializes a message: fields in field-number order, each present field once (repeated numbers as one
 * packed run, other repeated fields once per element), so equal messages give equal bytes.
 * @throws FormatError when a value does not fit its field's type, or nesting is deeper than maxDepth
 */
export function encodeMessage<T>(spec: MessageSpec<T>, message: T, options: CodecOptions = {}): Uint8Array {
  const w = new ProtoWriter();
  writeMessage(w, spec, message, 0, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  return w.finish();
}

function writeMessage(w: ProtoWriter, spec: MessageSpec<unknown>, message: unknown, depth: number, maxDepth: number): void {
  if (message === null || typeof message !== 'object') fail(`${spec.name} must be an object, got ${message === null ? 'null' : typeof message}`);
  if (depth > maxDepth) fail(`${spec.name} nesting depth must be at most ${maxDepth} (maxDepth), got deeper`);
  for (const f of spec.fields) {
    const v = (message as Record<string, unknown>)[f.name];
    if (v === undefined || v === null) continue;
    if (!f.repeated) {
      writeField(w, f, v, -1, depth, maxDepth);
    } else if (f.compact && v instanceof ByteList) {
      for (let i = 0; i < v.length; i++) writeField(w, f, v.at(i), i, depth, maxDepth);
    } else if (!Array.isArray(v) && !(f.typed && isNumberArray(v))) {
      fail(`${f.label} must be an array${f.typed ? ' or a typed array' : ''}, got ${typeof v}`);
    } else if (isPackable(f) && v.length > 0) {
      w.tag(f.no, WireType.LEN);
      const start = w.beginLength();
      for (let i = 0; i < v.length; i++) writeScalar(w, f, v[i], i);
      w.endLength(start);
    } else {
      for (let i = 0; i < v.length; i++) writeField(w, f, v[i], i, depth, maxDepth);
    }
  }
}

function isNumberArray(v: unknown): v is NumberArray {
  return v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array;
}

/** Repeated numbers go packed; strings, bytes and messages cannot be. */
function isPackable(f: Field): boolean {
  return f.kind !== 'message' && SCALARS[f.kind].wire !== WireType.LEN;
}

function writeField(w: ProtoWriter, f: Field, v: unknown, index: number, depth: number, maxDepth: number): void {
  if (f.kind !== 'message') {
    w.tag(f.no, SCALARS[f.kind].wire);
    writeScalar(w, f, v, index);
    return;
  }
  w.tag(f.no, WireType.LEN);
  const start = w.beginLength();
  writeMessage(w, f.message!(), v, depth + 1, maxDepth);
  w.endLength(start);
}

function writeScalar(w: ProtoWriter, f: Field, v: unknown, index: number): void {
  const codec = SCALARS[f.kind as ScalarKind];
  if (!codec.ok(v)) fail(`${f.label}${index >= 0 ? `[${index}]` : ''} must ${codec.must}, got ${typeof v === 'number' ? v : typeof v}`);
  codec.write(w, v as never);
}

/**
 * Parses a message. Unknown fields are skipped; repeated number fields are accepted packed and
 * unpacked; a repeated field's elements are appended, any other field's last occurrence wins.
 * Byte fields are views into `bytes`, not copies.
 * @throws FormatError for truncated or malformed input, a wire type that does not fit a known field,
 *   an int64 (other than an int64Value) beyond ±(2^53 - 1), or nesting deeper than maxDepth
 */
export function decodeMessage<T>(spec: MessageSpec<T>, bytes: Uint8Array, options: CodecOptions = {}): T {
  if (!(bytes instanceof Uint8Array)) fail(`bytes must be a Uint8Array, got ${typeof bytes}`);
  const r = new ProtoReader(bytes);
  const limits: ReadLimits = { maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH, compactLists: options.compactLists === true, bulk: options.bulk ?? null };
  return readMessage(r, spec, 0, limits) as T;
}

interface ReadLimits {
  readonly maxDepth: number;
  readonly compactLists: boolean;
  readonly bulk: BulkReader | null;
}

function readMessage(r: ProtoReader, spec: MessageSpec<unknown>, depth: number, limits: ReadLimits): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Typed-array fields that met an unpacked element collect into a number[] first (see toTypedArrays).
  let unpackedTyped = false;
  while (r.pos < r.end) {
    const tag = r.tag();
    const wire = tag & 7;
    const f = spec.byNumber.get(tag >>> 3);
    if (f === undefined) {
      r.skip(wire, `${spec.name} field ${tag >>> 3}`);
    } else if (!f.repeated) {
      out[f.name] = readValue(r, f, wire, depth, limits);
      if (spec.oneof.includes(f.name)) for (const other of spec.oneof) if (other !== f.name) delete out[other];
    } else if (f.typed && wire === WireType.LEN) {
      out[f.name] = appendTyped(out[f.name] as number[] | NumberArray | undefined, readPackedTyped(r, f, limits.bulk));
    } else if (wire === WireType.LEN && isPackable(f)) {
      readPacked(r, f, (out[f.name] ??= []) as unknown[]);
    } else if (f.compact && limits.compactLists && wire === WireType.LEN) {
      readByteRun(r, tag, (out[f.name] ??= new ByteList(r.bytes)) as ByteList, f.label, limits.bulk);
    } else {
      const prev = out[f.name] as unknown[] | NumberArray | undefined;
      const list = prev === undefined ? [] : Array.isArray(prev) ? prev : Array.from(prev);
      list.push(readValue(r, f, wire, depth, limits));
      out[f.name] = list;
      unpackedTyped ||= f.typed === true;
    }
  }
  if (unpackedTyped) toTypedArrays(spec, out);
  return out;
}

/**
 * An element of a {@link byteList} field, and the elements right after it while the same one-byte
 * tag repeats: a forest's `nodes_modes` is one string per node, ~10^4 in a row, read in this one
 * small loop instead of one pass of {@link readMessage}'s field dispatch each.
 */
function readByteRun(r: ProtoReader, tag: number, list: ByteList, label: string, bulk: BulkReader | null): void {
  const run = bulk?.byteRun(r.bytes, r.pos, r.end, tag) ?? null;
  if (run !== null) {
    list.append(run.bounds);
    r.pos = run.pos;
    return;
  }
  const bytes = r.bytes;
  for (;;) {
    // A length below 128 is its own one byte; a longer one, or one past the end, goes through the checks.
    let n = bytes[r.pos]!;
    if (n < 0x80 && n < r.end - r.pos) r.pos++;
    else n = r.length(label);
    list.push(r.pos, r.pos + n);
    r.pos += n;
    if (tag >= 0x80 || r.pos >= r.end || bytes[r.pos] !== tag) return;
    r.pos++;
  }
}

function readValue(r: ProtoReader, f: Field, wire: number, depth: number, limits: ReadLimits): unknown {
  const expected = f.kind === 'message' ? WireType.LEN : SCALARS[f.kind].wire;
  if (wire !== expected) r.fail(f.label, r.pos, `wire type must be ${expected}, got ${wire}`);
  if (f.kind !== 'message') return SCALARS[f.kind].read(r, f.label);
  if (depth >= limits.maxDepth) r.fail(f.label, r.pos, `nesting depth must be at most ${limits.maxDepth} (maxDepth), got deeper`);
  return within(r, f.label, () => readMessage(r, f.message!(), depth + 1, limits));
}

function readPacked(r: ProtoReader, f: Field, into: unknown[]): void {
  const codec = SCALARS[f.kind as ScalarKind];
  within(r, f.label, () => {
    while (r.pos < r.end) into.push(codec.read(r, f.label));
  });
}

/** The typed array an {@link array} field of `kind` decodes into. */
function typedArrayOf(kind: ScalarKind, length: number): NumberArray {
  if (kind === 'float') return new Float32Array(length);
  if (kind === 'int32') return new Int32Array(length);
  return new Float64Array(length);
}

/**
 * One packed run straight into a typed array, sized before reading: fixed-width values from the run's
 * length, varints by counting their last bytes (< 0x80); a {@link narrowArray} run by the bulk
 * reader when it takes it. A malformed run fails in the element reader,
 * which never reads more elements than the array was sized for.
 */
function readPackedTyped(r: ProtoReader, f: Field, bulk: BulkReader | null): NumberArray {
  const codec = SCALARS[f.kind as ScalarKind];
  return within(r, f.label, () => {
    const small = f.narrow ? bulk?.varints(r.bytes, r.pos, r.end) : null;
    if (small) {
      r.pos = r.end;
      return small;
    }
    let n = 0;
    if (codec.wire === WireType.FIXED32) n = Math.ceil((r.end - r.pos) / 4);
    else if (codec.wire === WireType.FIXED64) n = Math.ceil((r.end - r.pos) / 8);
    else for (let p = r.pos; p < r.end; p++) if (r.bytes[p]! < 0x80) n++;
    if (f.narrow) return readNarrow(r, f, n);
    const out = typedArrayOf(f.kind as ScalarKind, n);
    if (codec.wire !== WireType.VARINT && copyFixed(r, out)) return out;
    for (let i = 0; r.pos < r.end; i++) out[i] = codec.read(r, f.label) as number;
    return out;
  });
}

/**
 * A whole packed fixed-width run copied byte for byte into `out` (sized for it), on a little-endian
 * engine and when the run's length is a multiple of the width; false otherwise, for the element
 * reader (which also reports a run cut short). A forest's thresholds and leaf weights, ~10^4 each.
 */
function copyFixed(r: ProtoReader, out: NumberArray): boolean {
  const length = r.end - r.pos;
  if (!HOST_LITTLE_ENDIAN || length !== out.byteLength) return false;
  new Uint8Array(out.buffer, out.byteOffset, length).set(r.bytes.subarray(r.pos, r.end));
  r.pos = r.end;
  return true;
}

/** A packed run of {@link narrowArray} field `f` holding `n` varints: Int32Array until a value does not fit. */
function readNarrow(r: ProtoReader, f: Field, n: number): Int32Array | Float64Array {
  const codec = SCALARS[f.kind as ScalarKind];
  const small = new Int32Array(n);
  let i = 0;
  while (r.pos < r.end) {
    i = r.smallVarints(small, i);
    if (r.pos === r.end) break;
    const v = codec.read(r, f.label) as number;
    if ((v | 0) !== v) {
      const wide = new Float64Array(n);
      wide.set(small.subarray(0, i));
      wide[i++] = v;
      while (r.pos < r.end) wide[i++] = codec.read(r, f.label) as number;
      return wide;
    }
    small[i++] = v;
  }
  return small;
}

/** A field met more than once (rare): the runs are joined in order. */
function appendTyped(prev: number[] | NumberArray | undefined, run: NumberArray): number[] | NumberArray {
  if (prev === undefined) return run;
  if (Array.isArray(prev)) {
    for (let i = 0; i < run.length; i++) prev.push(run[i]!);
    return prev;
  }
  // Runs of one field share a type, except a narrowArray's: an Int32Array and a Float64Array join as doubles.
  const kind = prev.constructor !== run.constructor ? 'double' : prev instanceof Float32Array ? 'float' : prev instanceof Int32Array ? 'int32' : 'double';
  const joined = typedArrayOf(kind, prev.length + run.length);
  joined.set(prev);
  joined.set(run, prev.length);
  return joined;
}

/** Converts the number[] that unpacked elements of typed-array fields collected into. */
function toTypedArrays(spec: MessageSpec<unknown>, out: Record<string, unknown>): void {
  for (const f of spec.fields) {
    const v = out[f.name];
    if (f.typed && Array.isArray(v)) {
      const typed = typedArrayOf(f.kind as ScalarKind, v.length);
      typed.set(v as number[]);
      out[f.name] = typed;
    }
  }
}

/** Runs `read` with the reader's end narrowed to the next length-delimited value. */
function within<R>(r: ProtoReader, label: string, read: () => R): R {
  const n = r.length(label);
  const end = r.end;
  r.end = r.pos + n;
  const value = read();
  r.end = end;
  return value;
}
