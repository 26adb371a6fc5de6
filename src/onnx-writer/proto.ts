/**
 * The ONNX protobuf classes (onnx 1.10.2 schema, from the `onnx-proto` package) and the small
 * conversions every reader of them needs.
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

/**
 * Converts an int64 protobuf field (a number when we built it, a `Long` when protobufjs decoded it)
 * to a JS number.
 * @throws FormatError when the value is not a safe integer (beyond ±2^53 - 1).
 */
export function toNumber(v: number | LongLike | null | undefined, where = 'onnx'): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) {
    const shown = typeof v === 'number' ? String(v) : `${v.unsigned ? 'uint64' : 'int64'}(high=${v.high}, low=${v.low})`;
    throw new FormatError(`${where}: int64 value must be a safe integer (|v| < 2^53), got ${shown}`, where);
  }
  return n;
}

/** True when a protobuf message has field `key` set (own property, not null/undefined). */
export function hasField(message: object, key: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(message, key)) return false;
  const v = (message as Record<string, unknown>)[key];
  return v !== null && v !== undefined;
}
