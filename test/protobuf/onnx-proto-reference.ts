/**
 * The outside reference for src/protobuf: the `onnx-proto` package (protobufjs code generated from
 * onnx 1.10.2's onnx.proto). Its decoded messages are normalized to the codec's plain-object shape:
 * int64 `Long`s become numbers, `Buffer`s become Uint8Arrays, absent and empty fields are dropped.
 */
import onnxProto from 'onnx-proto';
import type { MessageSpec } from '../../src/protobuf/index.js';

/** The static protobufjs class of one message type (`encode`, `decode`, `toObject`, field defaults). */
export interface ProtobufjsClass {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: { longs: NumberConstructor }): Record<string, unknown>;
  prototype: object;
}

/** onnx-proto's class for a spec: 'TensorProto.Segment' → onnx.TensorProto.Segment. */
export function protobufjsClass(spec: MessageSpec<unknown>): ProtobufjsClass {
  let at: unknown = onnxProto.onnx;
  for (const part of spec.name.split('.')) at = (at as Record<string, unknown>)[part];
  if (typeof at !== 'function') throw new Error(`onnx-proto has no class ${spec.name}`);
  return at as unknown as ProtobufjsClass;
}

/** True when onnx-proto (onnx 1.10.2) knows the field: protobufjs puts every field's default on the prototype. */
export function protobufjsKnows(spec: MessageSpec<unknown>, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(protobufjsClass(spec).prototype, field);
}

/**
 * A deep copy of a message with Long → number, number typed arrays (the codec's decoded number lists)
 * → number[], byte arrays → plain Uint8Array, no null/undefined/[] fields.
 */
export function plain(v: unknown): unknown {
  if (isNumberArray(v)) return v.length === 0 ? [] : Array.from(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  if (Array.isArray(v)) return v.map(plain);
  if (v === null || typeof v !== 'object') return v;
  if ('toNumber' in v && 'high' in v && 'low' in v) return (v as { toNumber(): number }).toNumber();
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined || ((Array.isArray(x) || isNumberArray(x)) && x.length === 0)) continue;
    out[k] = plain(x);
  }
  return out;
}

/** Decodes with onnx-proto and normalizes. */
export function decodeWithProtobufjs(spec: MessageSpec<unknown>, bytes: Uint8Array): unknown {
  const cls = protobufjsClass(spec);
  return plain(cls.toObject(cls.decode(bytes), { longs: Number }));
}

/** Encodes a plain message with onnx-proto. */
export function encodeWithProtobufjs(spec: MessageSpec<unknown>, message: unknown): Uint8Array {
  return new Uint8Array(protobufjsClass(spec).encode(message as object).finish());
}

function isNumberArray(v: unknown): v is Float32Array | Float64Array | Int32Array {
  return v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array;
}

/** A deep copy with the codec's decoded number lists (typed arrays) as number[]; nothing else changes. */
export function untyped(v: unknown): unknown {
  if (isNumberArray(v)) return Array.from(v);
  if (Array.isArray(v)) return v.map(untyped);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, untyped(x)]));
}
