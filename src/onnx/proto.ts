/**
 * The ONNX protobuf messages, as dadm's own codec (src/protobuf) reads and writes them: plain objects
 * of the onnx 1.16 schema (IR 10), int64 fields as JS numbers, bulk number lists as typed arrays when
 * decoded. Plus the small conversions every reader of them needs: the int64 size check, field
 * presence, attribute lookup and a deep copy.
 */
import { FormatError } from '../errors.js';
import * as onnx from '../protobuf/index.js';

/**
 * The `onnx` namespace: the message types (`onnx.ModelProto`, `onnx.TensorProto`, …), the enums
 * (`onnx.DataType`, `onnx.AttributeType`, `onnx.DataLocation`) and the codec (`onnx.encodeModel`,
 * `onnx.decodeModel`).
 */
export { onnx };

/**
 * An int64 field that sizes or versions something (dims, ir_version, opset versions, counts). Absent = 0.
 * Decoding already refuses such fields beyond ±(2^53 - 1); this checks messages built in code.
 * @throws FormatError when the value is not a safe integer: a size that large is never meant, and
 *   rounding it would silently change it.
 */
export function toNumber(v: number | null | undefined, where = 'onnx'): number {
  if (v === null || v === undefined) return 0;
  if (!Number.isSafeInteger(v)) {
    throw new FormatError(`${where}: int64 value must be a safe integer (|v| < 2^53), got ${v}`, where);
  }
  return v;
}

/** True when a protobuf message has field `key` set (own property, not null/undefined). */
export function hasField(message: object, key: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(message, key)) return false;
  const v = (message as Record<string, unknown>)[key];
  return v !== null && v !== undefined;
}

/** The attribute called `name` of a node, or undefined. */
export function findAttribute(node: onnx.NodeProto, name: string): onnx.AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/**
 * An INT attribute's value, or `fallback` when absent. int64 attribute values are doubles: exact up to
 * 2^53, and the INT64_MAX sentinels exporters write into Slice `ends` stay huge and still clamp.
 */
export function intAttributeValue(node: onnx.NodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a ? (a.i ?? 0) : fallback;
}

/** A FLOAT attribute's value, or `fallback` when absent. */
export function floatAttributeValue(node: onnx.NodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a ? (a.f ?? 0) : fallback;
}

/** Deep copy through the wire format, so the copy shares no objects or buffers with the original. */
export function cloneModel(model: onnx.ModelProto): onnx.ModelProto {
  return onnx.decodeModel(onnx.encodeModel(model));
}
