/**
 * The ONNX protobuf classes (onnx 1.10.2 schema, from the `onnx-proto` package) and the small
 * conversions every reader of them needs: the one int64 conversion (two documented rules), field
 * presence, attribute lookup and a deep copy.
 */
import onnxProto from 'onnx-proto';

import { FormatError } from '../errors.js';

/** The `onnx` protobuf namespace: `onnx.ModelProto`, `onnx.TensorProto`, … (values and types). */
export import onnx = onnxProto.onnx;

/** The 64-bit integer object protobufjs decodes int64 fields into (the `long` package's `Long`). */
export interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
  toNumber(): number;
}

/** An int64 protobuf field as it arrives: a number when dadm built the message, a `Long` when decoded. */
export type Int64 = number | { toNumber(): number };

/**
 * An int64 field that sizes or versions something (dims, ir_version, opset versions, counts) as a JS
 * number. Absent = 0.
 * @throws FormatError when the value is not a safe integer (beyond ±2^53 - 1): a size that large is
 *   never meant, and rounding it would silently change it.
 */
export function toNumber(v: Int64 | null | undefined, where = 'onnx'): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) {
    const shown = typeof v === 'number' ? String(v) : longText(v);
    throw new FormatError(`${where}: int64 value must be a safe integer (|v| < 2^53), got ${shown}`, where);
  }
  return n;
}

/**
 * An int64 data value (tensor int64_data, attribute ints) as a float64, the way the runtime stores
 * int64: exact up to 2^53, rounded beyond, so the INT64_MAX sentinels exporters write into Slice
 * `ends` stay huge and still clamp correctly. Absent = 0.
 */
export function int64Value(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function longText(v: { toNumber(): number }): string {
  const l = v as Partial<LongLike>;
  return l.high === undefined ? String(v.toNumber()) : `${l.unsigned ? 'uint64' : 'int64'}(high=${l.high}, low=${l.low})`;
}

/** True when a protobuf message has field `key` set (own property, not null/undefined). */
export function hasField(message: object, key: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(message, key)) return false;
  const v = (message as Record<string, unknown>)[key];
  return v !== null && v !== undefined;
}

/** The attribute called `name` of a node, or undefined. */
export function findAttribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/** An INT attribute's value (an int64 data value, see {@link int64Value}), or `fallback` when absent. */
export function intAttributeValue(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a ? int64Value(a.i) : fallback;
}

/** A FLOAT attribute's value, or `fallback` when absent. */
export function floatAttributeValue(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a ? (a.f ?? 0) : fallback;
}

/** Deep copy through the wire format, so the copy shares no objects or buffers with the original. */
export function cloneModel(model: onnx.IModelProto): onnx.ModelProto {
  return onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
}
